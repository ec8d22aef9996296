import pytest
from celery import current_app
from django.core.cache import cache
from rest_framework.test import APIClient

from tests import factories

# Files whose tests take a minute or more between them (their seeded worlds and the fuzz), run
# first: `make test` hands whole files to its workers in this order (--no-loadscope-reorder), so
# none of them starts last with the other workers idle.
LONGEST_FILES = [
    "tests/test_permissions.py",
    "tests/test_security.py",
    "tests/test_fuzz.py",
    "tests/test_admin_pages.py",
    "tests/core/test_integer_params.py",
    "tests/test_infrastructure.py",
    "tests/test_fuzz_regressions.py",
    "tests/test_demo.py",
]


def pytest_collection_modifyitems(items):
    rank = {path: i for i, path in enumerate(LONGEST_FILES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


@pytest.fixture(autouse=True)
def _clean_cache():
    # Throttle counters and cached reads must not leak from one test into the next.
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _migration_seeds(request):
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not {"db", "transactional_db"} & set(request.fixturenames):
        return
    # The same database set-up the test gets anyway (cached per test), so nothing runs twice.
    request.getfixturevalue("_django_db_helper" if marker is not None else "db")
    factories.migration_seeds_restore()


@pytest.fixture
def api():
    """An anonymous API client; `api.as_user(user)` authenticates it with a bearer token."""

    class Client(APIClient):
        def as_user(self, user):
            from core.services import user_token_get_or_create

            self.credentials(HTTP_AUTHORIZATION=f"Bearer {user_token_get_or_create(user=user)}")
            return self

    return Client()


@pytest.fixture
def operator(db):
    return factories.OperatorFactory()


@pytest.fixture
def user(db):
    return factories.UserFactory()


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3 API over HTTP on loopback (moto's server), for storage tests."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_storage(s3_endpoint, monkeypatch, settings):
    """Django's media storages (private "default" and "public") switched to S3 against moto's
    server, exactly as production configures them (config/settings.py S3_MEDIA_STORAGES), in a
    bucket whose policy lets anyone read products/* (the product images) and nothing else, as
    docs/operator-guide.md sets it. Yields the default (private) storage."""
    import copy
    import json
    import uuid

    import boto3
    from django.core.files.storage import storages

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    bucket = f"media-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=bucket)
    public_read = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}
    policy = {"Version": "2012-10-17", "Statement": [{**public_read, "Resource": f"arn:aws:s3:::{bucket}/products/*"}]}
    client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    settings.AWS_STORAGE_BUCKET_NAME = bucket
    settings.AWS_S3_ENDPOINT_URL = s3_endpoint
    settings.AWS_S3_REGION_NAME = "us-east-1"
    settings.STORAGES = {**settings.STORAGES, **copy.deepcopy(settings.S3_MEDIA_STORAGES)}
    yield storages["default"]


@pytest.fixture
def celery_worker_process(transactional_db):
    """A real Celery worker process on Redis, reading this test's database, for tests about workers."""
    from tests.workers import worker_start, worker_stop

    process = worker_start()
    yield process
    worker_stop(process)


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback (aiosmtpd); Django's SMTP backend sends to it. Yields the
    list of received messages (email.message.EmailMessage)."""
    import socket
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    yield inbox.messages
    controller.stop()


DEAD_BROKER = "redis://127.0.0.1:1/0"


def broker_pools_forget():
    # Celery keeps its connection and producer pools for the URL they were made with; without this
    # a dead broker's pool outlives its test and the next test's tasks go nowhere (and a live pool
    # made earlier would hide the outage). Celery resets them only after a fork, the same way.
    current_app._pool = None
    current_app.amqp._producer_pool = None


@pytest.fixture
def broker_down(monkeypatch):
    """The broker unreachable (a closed loopback port): a task queued now is lost. Call the
    returned `restore()` to bring it back within the test; it comes back at teardown anyway."""
    for key, value in {
        "broker_url": DEAD_BROKER,
        "broker_write_url": DEAD_BROKER,
        "broker_connection_timeout": 0.3,
        "broker_connection_max_retries": 0,
        "task_publish_retry": False,
    }.items():
        monkeypatch.setitem(current_app.conf, key, value)
    broker_pools_forget()

    def restore():
        monkeypatch.undo()
        broker_pools_forget()

    yield restore
    restore()
