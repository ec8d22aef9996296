#!/usr/bin/env bash
# Web server, Celery worker and beat on the embedded default; Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

trap 'trap - INT TERM EXIT; kill 0 2>/dev/null; wait' INT TERM EXIT

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

  Demo logins (password for all: demo-pass-2026):
    operator@demo.example      operator (admin: everything)
    owner@hanji-living.example SME owner, lead of the Hanji Living brand (admin: own companies)
    owner@seoul-beauty.example SME owner, lead of the Seoul Beauty Lab brand
    buyer@demo.example         buyer

  Ctrl-C stops the web server, the worker and beat.

MSG
wait
