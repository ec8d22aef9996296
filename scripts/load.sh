#!/usr/bin/env bash
# `make load`: a scratch PostgreSQL database with the demo data, gunicorn with production-like
# settings (DEBUG off, Redis cache and broker, JSON logs), then locust headless for LOAD_SECONDS
# (default 60) with LOAD_USERS users. Writes var/load/*.csv and docs/load-results.md; exits
# non-zero on any 5xx. Leaves PostgreSQL and Redis as they were (drops its database at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
SECONDS_=${LOAD_SECONDS:-60}
USERS=${LOAD_USERS:-20}
PORT=${LOAD_PORT:-8765}
REDIS=${LOAD_REDIS:-127.0.0.1:6379}  # host:port of a Redis of your own when others share the machine
DB=load_platform
OUT=var/load
mkdir -p "$OUT"

export DJANGO_SETTINGS_MODULE=config.settings
export DJANGO_DEBUG=false
export DJANGO_SECRET_KEY="load-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
export CACHE_URL="rediscache://$REDIS/12"
export CELERY_BROKER_URL="redis://$REDIS/13"
export VAR_DIR="$PWD/$OUT/var"
export LOG_LEVEL=WARNING

psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" postgres
$BIN/python manage.py migrate --noinput -v0
$BIN/python manage.py load_demo >/dev/null
export LOAD_SME_TOKEN=$($BIN/python manage.py shell -c "
from brands.models import CompanyStaff
from core.services import user_token_get_or_create
staff = CompanyStaff.objects.filter(role='owner').order_by('pk').first()
print(user_token_get_or_create(user=staff.user))" | tail -n 1)

$BIN/gunicorn config.wsgi --bind 127.0.0.1:$PORT --workers 2 --threads 2 --access-logfile /dev/null --no-control-socket \
    --error-logfile "$OUT/gunicorn.log" &
GUNICORN=$!
cleanup() {
    kill "$GUNICORN" 2>/dev/null || true
    wait "$GUNICORN" 2>/dev/null || true
    psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB" postgres || true
}
trap cleanup EXIT
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 1; done

$BIN/locust -f bench/locustfile.py --headless -u "$USERS" -r "$USERS" -t "${SECONDS_}s" \
    --host "http://127.0.0.1:$PORT" --csv "$OUT/load" --only-summary || true
$BIN/python scripts/load_report.py "$OUT/load_stats.csv" "$OUT/load_failures.csv" "$SECONDS_" "$USERS" docs/load-results.md
