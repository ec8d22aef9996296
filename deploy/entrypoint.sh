#!/bin/sh
# Every app container (migrate, web, worker, beat) starts here. It refuses to start with settings
# that fail the deploy checks (an embedded secret, no Stripe key, no mail server, DEBUG on, missing
# HTTPS hardening, media URLs that name an internal host...): a loud failure, never a platform
# quietly taking payments through the dummy gateway. Then it runs the container's command.
set -eu
if ! python manage.py check --deploy --fail-level WARNING; then
    echo "entrypoint: refusing to start: fix the settings above in .env (see .env.example)." >&2
    exit 78  # EX_CONFIG
fi
exec "$@"
