"""The web container's healthcheck: GET /healthz on the local gunicorn, exit 1 unless it answers 200
(it answers 503 naming the failed dependency). The Host header is a name DJANGO_ALLOWED_HOSTS
accepts, since production lists only the public domain there.

    python deploy/healthcheck.py [URL]      (default http://127.0.0.1:8000/healthz)
"""

import os
import sys
import urllib.request


def allowed_host() -> str:
    for entry in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(","):
        name = entry.strip().lstrip(".")  # ".example.com" allows example.com itself
        if name and name != "*":
            return name
    return "localhost"


def main() -> int:
    url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/healthz"
    request = urllib.request.Request(url, headers={"Host": allowed_host()})  # noqa: S310 - a fixed local URL
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return 0 if response.status == 200 else 1
    except OSError as error:  # refused, timed out, or an HTTP error status
        print(f"healthcheck: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
