#!/usr/bin/env bash
# Web server, Celery worker and beat on the embedded default, and the channel simulator on loopback;
# Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
SIMULATOR_PORT=${SIMULATOR_PORT:-8765}
export CHANNEL_SIMULATOR_URL=${CHANNEL_SIMULATOR_URL:-http://127.0.0.1:$SIMULATOR_PORT}

trap 'trap - INT TERM EXIT; kill 0 2>/dev/null; wait' INT TERM EXIT

# The outside marketplaces (kmall24, buykorea, amazon, ebay, tmall), simulated, on loopback only.
$BIN/python -m integrations.simulator --host 127.0.0.1 --port "$SIMULATOR_PORT" --seed "${SIMULATOR_SEED:-0}" &
# The worker may pick up syndication jobs the demo queued: let the simulator answer first.
for _ in $(seq 50); do
  $BIN/python -c "import urllib.request; urllib.request.urlopen('$CHANNEL_SIMULATOR_URL/_control/health', timeout=1)" \
    2>/dev/null && break
  sleep 0.2
done
$BIN/celery -A config worker --loglevel=info --concurrency=2 &
$BIN/celery -A config beat --loglevel=info &
$BIN/python manage.py runserver "$HOST:$PORT" --noreload &

sleep 2
cat <<MSG

  The platform is running.
    API docs (Swagger):  http://$HOST:$PORT/api/docs/
    OpenAPI schema:      http://$HOST:$PORT/api/schema/
    Admin:               http://$HOST:$PORT/admin/
    Health:              http://$HOST:$PORT/healthz
    Channel simulator:   $CHANNEL_SIMULATOR_URL/_control/requests (faults: POST /_control/faults)

  Demo logins (password for all: demo-pass-2026):
    operator@demo.example      operator (admin: everything)
    owner@hanji-living.example SME owner, lead of the Hanji Living brand (admin: own companies)
    owner@seoul-beauty.example SME owner, lead of the Seoul Beauty Lab brand
    buyer@demo.example         buyer

  Ctrl-C stops the web server, the worker, beat and the channel simulator.

MSG
wait
