import re
import time
from datetime import timedelta

import pytest
import yaml
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from brands.models import Brand
from brands.services import membership_leave
from brands.tasks import brands_enforce_minimum_members_task
from tests.factories import active_brand, owner_of


def test_the_openapi_schema_generates_and_validates_without_a_warning(tmp_path):
    # --fail-on-warn turns any drf-spectacular warning (an unnamed enum, an untyped field) into a failure.
    call_command("spectacular", validate=True, fail_on_warn=True, file=str(tmp_path / "schema.yml"))
    schema = (tmp_path / "schema.yml").read_text()
    for path in ("/api/v1/auth/token/", "/api/v1/companies/{id}/", "/api/v1/brands/{slug}/activate/"):
        assert f"  {path}:" in schema


# Names of amounts of money: the schema must declare each as the money object (MoneyField),
# never a bare decimal, so every amount comes with its currency and in its minor units.
MONEY_NAME = re.compile(
    r"(amount|price|total|subtotal|shipping|duties|taxes|fee|fees|budget|spent|balance|value|net|commission)$"
)


@pytest.mark.django_db
def test_every_amount_of_money_in_the_schema_is_a_money_object(client):
    components = yaml.safe_load(client.get("/api/schema/").content)["components"]["schemas"]
    bare = [
        f"{name}.{prop}"
        for name, component in components.items()
        for prop, spec in (component.get("properties") or {}).items()
        if MONEY_NAME.search(prop) and spec.get("type") in ("string", "number")
    ]
    assert bare == []


@pytest.mark.django_db
def test_the_schema_and_docs_are_served(client, monkeypatch):
    from config.schema import SchemaView

    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
    # Generated once per process and language: a second request only renders it again.
    monkeypatch.setattr(SchemaView.generator_class, "get_schema", lambda *args, **kwargs: pytest.fail("regenerated"))
    again = client.get("/api/schema/?format=json")
    assert again.status_code == 200 and "/api/v1/auth/token/" in again.json()["paths"]


def test_media_storage_writes_and_reads_through_s3(s3_storage):
    name = s3_storage.save("documents/hello.txt", ContentFile(b"common brands travel further"))
    assert s3_storage.exists(name)
    with s3_storage.open(name) as stored:
        assert stored.read() == b"common brands travel further"
    assert s3_storage.bucket_name in s3_storage.url(name)


def test_healthz_names_what_failed(client, db, monkeypatch):
    from celery import current_app

    # A broker that does not answer: a closed loopback port.
    monkeypatch.setattr(current_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_beat_task_that_suspends_brands_past_their_grace(celery_worker_process, settings):
    brand = active_brand(4)
    leaving = brand.memberships.filter(role="member").first()
    membership_leave(membership=leaving, actor=owner_of(leaving.company))
    Brand.objects.filter(pk=brand.pk).update(
        below_minimum_since=timezone.now() - timedelta(days=settings.BRAND_GRACE_DAYS + 1)
    )

    brands_enforce_minimum_members_task.delay()

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if Brand.objects.get(pk=brand.pk).status == Brand.Status.SUSPENDED:
            break
        time.sleep(0.2)
    assert Brand.objects.get(pk=brand.pk).status == Brand.Status.SUSPENDED
