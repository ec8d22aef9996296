"""deploy/nginx/platform.conf under Debian's nginx (the package the proxy image installs), inside
Debian's own /etc/nginx/nginx.conf: `nginx -t` passes, and run for real in front of the app on
loopback it terminates TLS, tells the app the request was HTTPS, compresses JSON, refuses bodies
over the app's largest limit in the API's error shape, and passes only reads to the media bucket.
Paths are moved to a scratch prefix with a self-signed certificate; the listen ports and the
compose service names (`web`, `minio`) are the only lines changed for the run."""

import gzip
import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "deploy" / "nginx" / "platform.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"  # .ci/run installs Debian's nginx-light
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
ALLOWED_HOSTS = "shop.example.com,127.0.0.1"


def prefix(tmp_path: Path, conf: str) -> Path:
    """A scratch nginx.conf: Debian's with its pid, logs and conf.d moved here, our conf as its only
    conf.d file, and a self-signed pair where the conf expects it (relative paths in the conf
    resolve against the directory of the nginx.conf nginx is given: /etc/nginx in the image)."""
    main = Path("/etc/nginx/nginx.conf").read_text()
    main = main.replace("/run/nginx.pid", str(tmp_path / "nginx.pid"))
    main = main.replace("/var/log/nginx/", f"{tmp_path}/")
    main = main.replace("/etc/nginx/conf.d/", f"{tmp_path}/conf.d/")
    main = re.sub(r"^\s*include /etc/nginx/sites-enabled/\*;$", "", main, flags=re.M)
    main = re.sub(r"^worker_processes auto;$", "worker_processes 1;", main, flags=re.M)
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "platform.conf").write_text(conf)
    (tmp_path / "tls").mkdir()
    subprocess.run(  # noqa: S603 - fixed argv
        [
            OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(tmp_path / "tls" / "privkey.pem"), "-out", str(tmp_path / "tls" / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    (tmp_path / "nginx.conf").write_text(main)
    return tmp_path / "nginx.conf"


def nginx(*args) -> subprocess.CompletedProcess:
    return subprocess.run([NGINX, *args], capture_output=True, text=True, timeout=30)  # noqa: S603


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_config_passes_nginx_t_in_debians_nginx_conf(tmp_path):
    """The file exactly as the image carries it."""
    main = prefix(tmp_path, CONF.read_text())
    result = nginx("-t", "-c", str(main))
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr
    assert "warn" not in result.stderr


def test_the_body_limit_is_the_apps_largest_upload():
    """A CSV import of IMPORT_MAX_BYTES in its multipart envelope (1 MiB allowed for it) fits;
    every other limit of the app is smaller."""
    limit = int(re.search(r"^\s*client_max_body_size (\d+);", CONF.read_text(), re.M).group(1))
    assert limit == settings.IMPORT_MAX_BYTES + 1024 * 1024
    assert max(settings.API_MAX_BODY_BYTES, settings.MEDIA_MAX_BYTES, settings.INQUIRY_ATTACHMENT_MAX_BYTES) < limit


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        assert process.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app under gunicorn with production's HTTPS settings (no database is touched here)."""
    scratch = tmp_path_factory.mktemp("app")
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(scratch),
        "VAR_DIR": str(scratch / "var"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "proxy-test-" + "x" * 50,
        "DJANGO_SECURE_SSL_REDIRECT": "true",
        "DJANGO_SECURE_HSTS_SECONDS": "60",
        # As production: the public name (the proxy passes 127.0.0.1 here), never localhost.
        "DJANGO_ALLOWED_HOSTS": ALLOWED_HOSTS,
        "LOG_LEVEL": "WARNING",
    }
    log = scratch / "gunicorn.log"
    with open(log, "w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn
            [
                str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
                "--workers", "1", "--timeout", "120", "--no-control-socket",
            ],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for_port(port, process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def proxy(tmp_path_factory, app, s3_endpoint):
    """nginx with our conf in front of the app, moto's S3 standing in for MinIO."""
    scratch = tmp_path_factory.mktemp("nginx")
    http_port, https_port = free_port(), free_port()
    conf = CONF.read_text()
    conf = re.sub(r"^\s*listen \[::\]:.*$", "", conf, flags=re.M)
    conf = conf.replace("listen 80 default_server;", f"listen 127.0.0.1:{http_port} default_server;")
    conf = conf.replace("listen 443 ssl default_server;", f"listen 127.0.0.1:{https_port} ssl default_server;")
    assert conf.count("http://web:8000") == 2 and conf.count("http://minio:9000") == 1
    conf = conf.replace("http://web:8000", app).replace("http://minio:9000", s3_endpoint)
    main = prefix(scratch, conf)
    process = subprocess.Popen([NGINX, "-c", str(main), "-g", "daemon off;"])  # noqa: S603
    try:
        wait_for_port(https_port, process, scratch / "error.log")
        yield {
            "https": f"https://127.0.0.1:{https_port}",
            "http": f"http://127.0.0.1:{http_port}",
            "port": https_port,
            "ca": str(scratch / "tls" / "fullchain.pem"),
        }
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_the_proxy_terminates_tls_and_the_app_knows_it(proxy, app):
    # Straight to the app over plain HTTP: redirected to HTTPS (DJANGO_SECURE_SSL_REDIRECT).
    direct = requests.get(f"{app}/api/v1/nothing-here/", allow_redirects=False, timeout=10)
    assert direct.status_code == 301 and "Strict-Transport-Security" not in direct.headers
    # Through the proxy over TLS: X-Forwarded-Proto says https, so the app answers (its JSON 404),
    # with the HSTS header it sends only over HTTPS.
    through = requests.get(f"{proxy['https']}/api/v1/nothing-here/", verify=proxy["ca"], timeout=10)
    assert through.status_code == 404 and through.json()["type"] == "client_error"
    assert through.headers["Strict-Transport-Security"].startswith("max-age=60")
    # Plain HTTP at the proxy moves to HTTPS.
    moved = requests.get(f"{proxy['http']}/api/v1/storefront/products/", allow_redirects=False, timeout=10)
    assert moved.status_code == 301 and moved.headers["Location"].startswith("https://")


def test_json_is_compressed(proxy):
    response = requests.get(
        f"{proxy['https']}/api/schema/?format=json", headers={"Accept-Encoding": "gzip"}, verify=proxy["ca"], timeout=60
    )
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip" and "json" in response.headers["Content-Type"]
    assert len(response.content) > 1_000_000  # requests decompressed it: the whole document
    assert len(gzip.compress(response.content)) * 5 < len(response.content)


def test_a_body_over_the_limit_is_a_413_in_the_apis_error_shape(proxy):
    limit = int(re.search(r"client_max_body_size (\d+);", CONF.read_text()).group(1))
    context = ssl.create_default_context(cafile=proxy["ca"])
    connection = http.client.HTTPSConnection("127.0.0.1", proxy["port"], context=context)
    connection.putrequest("POST", "/api/v1/imports/")
    connection.putheader("Content-Type", "text/csv")
    connection.putheader("Content-Length", str(limit + 1))
    connection.endheaders()  # nginx answers on the header alone: no body is sent
    response = connection.getresponse()
    assert response.status == 413
    body = response.read()
    assert response.getheader("Content-Type") == "application/json"
    assert b'"code":"request_too_large"' in body and b'"type":"client_error"' in body
    connection.close()


def test_the_media_bucket_is_read_only_through_the_proxy(proxy):
    read = requests.get(f"{proxy['https']}/platform-media/products/1/x.png", verify=proxy["ca"], timeout=10)
    assert read.status_code == 404 and b"NoSuchBucket" in read.content  # reached the store, which has no such bucket
    write = requests.put(f"{proxy['https']}/platform-media/products/1/x.png", data=b"x", verify=proxy["ca"], timeout=10)
    assert write.status_code == 403 and b"NoSuchBucket" not in write.content


def test_the_web_healthcheck_asks_with_a_host_the_app_allows(app):
    """docker-compose.yml's healthcheck of web (deploy/healthcheck.py) against gunicorn."""
    assert requests.get(app.replace("127.0.0.1", "localhost") + "/healthz", timeout=10).status_code == 400
    env = {"PATH": os.environ["PATH"], "DJANGO_ALLOWED_HOSTS": ALLOWED_HOSTS}
    command = [sys.executable, "deploy/healthcheck.py", f"{app}/healthz"]
    assert subprocess.run(command, cwd=ROOT, env=env, timeout=30).returncode == 0  # noqa: S603
    dead = subprocess.run([*command[:2], f"http://127.0.0.1:{free_port()}/healthz"], cwd=ROOT, env=env, timeout=30)  # noqa: S603
    assert dead.returncode == 1
