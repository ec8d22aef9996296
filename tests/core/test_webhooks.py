"""Outbound webhooks against a real HTTP receiver on loopback (tests/core/receiver.py)."""

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction

from brands.services import membership_apply, membership_approve
from core.events import EventType
from core.models import Event, WebhookDelivery, WebhookEndpoint
from core.services import event_record, events_record
from core.webhooks import event_dispatch, events_dispatch_sweep, webhook_delivery_attempt, webhook_endpoint_create
from tests.core.receiver import Answer, Receiver
from tests.factories import UserFactory, brand_with_members, company_with_owner, owner_of

pytestmark = pytest.mark.django_db


def verify(secret: str, headers: dict, body: bytes, tolerance: int = 300, now: float | None = None) -> bool:
    """The receiver's check, as docs/events.md shows it."""
    import time

    timestamp = headers["Webhook-Timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    given = headers["Webhook-Signature"].removeprefix("v1=")
    return hmac.compare_digest(expected, given) and abs((now or time.time()) - int(timestamp)) <= tolerance


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


def endpoint_for(company, url, events=(EventType.STOCK_LOW,)):
    endpoint, _ = webhook_endpoint_create(
        actor=owner_of(company) if company else UserFactory(),
        company_id=company.pk if company else None,
        url=url,
        events=list(events),
    )
    return endpoint


def record(django_capture_on_commit_callbacks, company_ids, type=EventType.STOCK_LOW, **kw):
    with django_capture_on_commit_callbacks(execute=True):
        event = event_record(type=type, data={"stock": {"sku": "SKU-1"}}, company_ids=company_ids, **kw)
    return event


def test_a_healthy_receiver_gets_the_event_once_signed(eager, receiver, django_capture_on_commit_callbacks):
    company = company_with_owner()
    endpoint = endpoint_for(company, receiver.url)
    event = record(django_capture_on_commit_callbacks, [company.pk])

    assert len(receiver.requests) == 1
    sent = receiver.requests[0]
    body = json.loads(sent["body"])
    assert body == {"id": event.webhook_id, "type": "stock.low", "created": body["created"], "data": event.data}
    assert sent["headers"]["Webhook-Id"] == event.webhook_id
    assert verify(endpoint.secret, sent["headers"], sent["body"])
    assert not verify("whsec_other", sent["headers"], sent["body"])
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("succeeded", 1, 200)
    assert delivery.response_body == "ok"
    # A redelivered dispatch task does nothing more.
    assert event_dispatch(event_id=event.pk) == 0
    assert webhook_delivery_attempt(delivery_id=delivery.pk) is None
    assert len(receiver.requests) == 1


def test_events_recorded_together_are_dispatched_by_one_task_each_to_its_endpoints(
    eager, receiver, django_capture_on_commit_callbacks
):
    company, other = company_with_owner(), company_with_owner()
    endpoint_for(company, receiver.url)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        events = events_record(
            events=[
                {"type": EventType.STOCK_LOW, "data": {"stock": {"sku": f"SKU-{n}"}}, "company_ids": [owner.pk]}
                for n, owner in enumerate([company, other, company], start=1)
            ]
        )
    # One dispatch for the three events (not one each), then one attempt per delivery made.
    assert len(callbacks) == 1 + 2
    assert [json.loads(r["body"])["data"]["stock"]["sku"] for r in receiver.requests] == ["SKU-1", "SKU-3"]
    assert [e.company_ids for e in events] == [[company.pk], [other.pk], [company.pk]]
    assert Event.objects.filter(pk__in=[e.pk for e in events], dispatched_at__isnull=False).count() == 3
    with pytest.raises(ValueError):
        events_record(events=[{"type": "stock.nonsense", "data": {}}])


def test_delivered_once_after_a_500_and_a_timeout(eager, receiver, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_READ_TIMEOUT = 0.3
    receiver.script = [Answer(500), Answer(200, delay=1.5)]
    company = company_with_owner()
    endpoint_for(company, receiver.url)
    event = record(django_capture_on_commit_callbacks, [company.pk])
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_status) == ("pending", 500)

    # Not due yet: nothing is sent.
    assert webhook_delivery_attempt(delivery_id=delivery.pk, now=delivery.last_attempt_at) is None
    assert webhook_delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at) == "pending"
    delivery.refresh_from_db()
    assert delivery.response_status is None and "Timeout" in delivery.error
    assert webhook_delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at) == "succeeded"

    ids = {json.loads(r["body"])["id"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and ids == {event.webhook_id}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 3)
    assert webhook_delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at + timedelta(days=1)) is None
    assert len(receiver.requests) == 3


def test_retries_back_off_and_honour_retry_after(eager, receiver, django_capture_on_commit_callbacks):
    receiver.script = [Answer(429, headers={"Retry-After": "7200"}), Answer(503), Answer(503)]
    company = company_with_owner()
    endpoint_for(company, receiver.url)
    record(django_capture_on_commit_callbacks, [company.pk])
    delivery = WebhookDelivery.objects.get()
    assert delivery.next_attempt_at - delivery.last_attempt_at >= timedelta(seconds=7200)
    waits = []
    for _ in range(2):
        webhook_delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)
        delivery.refresh_from_db()
        waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
    # Exponential with jitter in [0.5, 1]: the fourth attempt waits at least as long as half of twice the third.
    assert waits[1] >= waits[0] / 2 and delivery.status == "pending"


@pytest.mark.parametrize("status", [400, 410])
def test_never_retried_after_another_4xx(status, eager, receiver, django_capture_on_commit_callbacks):
    receiver.script = [Answer(status)]
    company = company_with_owner()
    endpoint_for(company, receiver.url)
    record(django_capture_on_commit_callbacks, [company.pk])
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 1, status)
    assert webhook_delivery_attempt(delivery_id=delivery.pk, now=delivery.created_at + timedelta(hours=1)) is None
    events_dispatch_sweep(now=delivery.created_at + timedelta(hours=1))
    assert len(receiver.requests) == 1


def test_retries_stop_after_the_window(eager, receiver, django_capture_on_commit_callbacks):
    receiver.script = [Answer(500)] * 2
    company = company_with_owner()
    endpoint_for(company, receiver.url)
    record(django_capture_on_commit_callbacks, [company.pk])
    delivery = WebhookDelivery.objects.get()
    assert webhook_delivery_attempt(delivery_id=delivery.pk, now=delivery.created_at + timedelta(hours=25)) == "failed"


def test_an_endpoint_failing_for_a_day_is_disabled_and_its_owner_told(
    eager, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_DISABLE_FAILURES = 3
    receiver.script = [Answer(500)] * 10
    company = company_with_owner()
    endpoint = endpoint_for(company, receiver.url)
    for _ in range(3):
        record(django_capture_on_commit_callbacks, [company.pk])
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 3  # a run of failures, but not a day long

    first = WebhookDelivery.objects.order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        webhook_delivery_attempt(delivery_id=first.pk, now=endpoint.failing_since + timedelta(hours=23, minutes=59))
    endpoint.refresh_from_db()
    assert endpoint.is_active
    later = WebhookDelivery.objects.order_by("pk")[1]
    with django_capture_on_commit_callbacks(execute=True):
        webhook_delivery_attempt(delivery_id=later.pk, now=endpoint.failing_since + timedelta(hours=25))
    endpoint.refresh_from_db()
    assert not endpoint.is_active and "5 failed deliveries" in endpoint.disabled_reason
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"failed"}
    assert [m.to for m in mail.outbox] == [[owner_of(company).email]]
    assert receiver.url in mail.outbox[0].body

    sent = len(receiver.requests)
    record(django_capture_on_commit_callbacks, [company.pk])
    assert len(receiver.requests) == sent  # a disabled endpoint gets nothing


def test_a_rolled_back_change_sends_nothing(eager, receiver, django_capture_on_commit_callbacks):
    brand = brand_with_members(0)
    lead = brand.lead_company
    company = company_with_owner()
    endpoint_for(lead, receiver.url, events=[EventType.MEMBERSHIP_APPROVED])
    membership = membership_apply(brand=brand, company=company, actor=owner_of(company))
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        membership_approve(membership=membership, actor=owner_of(lead))
        raise RuntimeError("the caller fails after the service")
    assert not Event.objects.filter(type=EventType.MEMBERSHIP_APPROVED, data__membership__id=membership.pk).exists()
    assert receiver.requests == []

    with django_capture_on_commit_callbacks(execute=True):
        membership_approve(membership=membership, actor=owner_of(lead))
    assert [json.loads(r["body"])["type"] for r in receiver.requests] == ["membership.approved"]


def test_a_company_endpoint_gets_only_its_own_events_and_its_own_part(
    eager, receiver, operator, django_capture_on_commit_callbacks
):
    a, b = company_with_owner(), company_with_owner()
    for company in (a, b):
        endpoint_for(company, f"{receiver.url}/{company.pk}")
    endpoint, _ = webhook_endpoint_create(
        actor=operator, company_id=None, url=f"{receiver.url}/platform", events=[EventType.STOCK_LOW]
    )
    with django_capture_on_commit_callbacks(execute=True):
        event_record(
            type=EventType.STOCK_LOW,
            data={"lines": ["a's", "b's"]},
            company_ids=[a.pk],
            company_data={a.pk: {"lines": ["a's"]}},
        )
    got = {r["path"]: json.loads(r["body"])["data"] for r in receiver.requests}
    assert got == {f"/hook/{a.pk}": {"lines": ["a's"]}, "/hook/platform": {"lines": ["a's", "b's"]}}


def test_lost_dispatches_are_swept(eager, receiver, django_capture_on_commit_callbacks):
    company = company_with_owner()
    endpoint_for(company, receiver.url)
    event = Event.objects.create(type=EventType.STOCK_LOW, data={}, company_ids=[company.pk])  # its task was lost
    assert events_dispatch_sweep(now=event.created_at) == 0
    with django_capture_on_commit_callbacks(execute=True):
        # The event is queued; the sweep's clock, two minutes on, finds its new delivery due too,
        # yet the receiver hears it once: an attempt claims the delivery first.
        assert events_dispatch_sweep(now=event.created_at + timedelta(minutes=2)) == 2
    assert len(receiver.requests) == 1
    assert WebhookEndpoint.objects.get().deliveries.get().status == "succeeded"


def test_the_api_shows_the_secret_once_and_scopes_endpoints_to_their_company(api, eager, receiver, settings):
    company, other = company_with_owner(), company_with_owner()
    owner = owner_of(company)
    api.as_user(owner)
    created = api.post("/api/v1/webhooks/", {"company": company.pk, "url": receiver.url, "events": ["order.paid"]})
    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    assert secret.startswith("whsec_")
    pk = created.json()["id"]
    shown = api.get(f"/api/v1/webhooks/{pk}/").json()
    assert "secret" not in shown and shown["events"] == ["order.paid"] and shown["company"] == company.pk
    rotated = api.post(f"/api/v1/webhooks/{pk}/rotate-secret/").json()["secret"]
    assert rotated != secret

    refused = api.post("/api/v1/webhooks/", {"company": other.pk, "url": receiver.url, "events": ["order.paid"]})
    assert refused.status_code == 400 and refused.json()["errors"][0]["attr"] == "company"
    unknown = api.post("/api/v1/webhooks/", {"company": company.pk, "url": receiver.url, "events": ["order.lost"]})
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["attr"].startswith("events")

    api.as_user(owner_of(other))
    assert api.get(f"/api/v1/webhooks/{pk}/").status_code == 404
    assert api.post(f"/api/v1/webhooks/{pk}/ping/").status_code == 404
    assert api.get("/api/v1/webhooks/").json()["count"] == 0


def test_ping_and_redeliver_send_to_that_endpoint_with_the_same_event_id(
    api, eager, receiver, django_capture_on_commit_callbacks
):
    company = company_with_owner()
    endpoint = endpoint_for(company, receiver.url)
    endpoint_for(company, f"{receiver.url}/other")
    api.as_user(owner_of(company))
    with django_capture_on_commit_callbacks(execute=True):
        pinged = api.post(f"/api/v1/webhooks/{endpoint.pk}/ping/")
    assert pinged.status_code == 202
    assert [(r["path"], json.loads(r["body"])["type"]) for r in receiver.requests] == [("/hook", "webhook.ping")]

    receiver.requests.clear()
    event = record(django_capture_on_commit_callbacks, [company.pk])
    delivery = endpoint.deliveries.get(event=event)
    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(f"/api/v1/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/redeliver/")
    assert again.status_code == 202 and again.json()["redelivery"] is True
    to_endpoint = [json.loads(r["body"])["id"] for r in receiver.requests if r["path"] == "/hook"]
    assert to_endpoint == [event.webhook_id, event.webhook_id]

    listed = api.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/").json()["results"]
    assert [(d["event"]["id"], d["status"], d["response_status"]) for d in listed[:2]] == [
        (event.webhook_id, "succeeded", 200)
    ] * 2
    assert listed[0]["latency_ms"] is not None and listed[0]["attempts"] == 1


def test_private_addresses_are_refused_unless_the_channel_setting_allows_them(api, settings):
    settings.CHANNEL_ALLOW_PRIVATE_URLS = False
    company = company_with_owner()
    api.as_user(owner_of(company))
    for url in ["https://127.0.0.1/hook", "https://169.254.169.254/latest", "https://10.0.0.8/", "http://example.com/"]:
        response = api.post("/api/v1/webhooks/", {"company": company.pk, "url": url, "events": ["order.paid"]})
        assert response.status_code == 400, url
        assert response.json()["errors"][0]["attr"] == "url"
    assert not WebhookEndpoint.objects.exists()


def test_an_endpoint_turned_private_after_saving_is_not_called(
    eager, receiver, settings, django_capture_on_commit_callbacks
):
    company = company_with_owner()
    endpoint_for(company, receiver.url)
    settings.CHANNEL_ALLOW_PRIVATE_URLS = False  # e.g. its name now resolves to a private address
    record(django_capture_on_commit_callbacks, [company.pk])
    delivery = WebhookDelivery.objects.get()
    assert receiver.requests == [] and delivery.status == "failed" and "loopback" in delivery.error
