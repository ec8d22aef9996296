"""Outbound webhooks: endpoints, fan-out of outbox events to them, signed deliveries with
retries, and the endpoint that keeps failing switched off (docs/events.md is the contract).

A delivery is claimed in a short transaction, sent with no row locked, and its outcome recorded
in another: an HTTP call never holds a lock."""

import hashlib
import hmac
import json
import logging
import random
import secrets
import time
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.emails import email_send
from core.errors import InvalidInput, WrongState
from core.events import BUYER_SUBSCRIBABLE, SUBSCRIBABLE, EventType
from core.models import Event, SecurityEvent, User, WebhookDelivery, WebhookEndpoint
from core.services import event_dispatch_queue, security_event_record
from core.signals import event_dispatched
from core.urlguard import URLRefused, pinned_request, public_url_check

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Webhook-Signature"
TIMESTAMP_HEADER = "Webhook-Timestamp"
ID_HEADER = "Webhook-Id"
# Seconds a claimed attempt keeps others off the delivery: longer than the connect and read timeouts.
CLAIM_SECONDS = 60


def webhook_secret_new() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def webhook_sign(*, secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", hex; sent as `Webhook-Signature: v1=<hex>`."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def webhook_body(event: Event, endpoint: WebhookEndpoint) -> bytes:
    """The delivery's body; the same bytes for every attempt and redelivery to an endpoint."""
    created = event.created_at.isoformat()
    data = event.data_for(endpoint.company_id, endpoint.buyer_company_id)
    payload = {"id": event.webhook_id, "type": event.type, "created": created, "data": data}
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, default=str).encode()


def _events_check(events, *, buyer: bool) -> list[str]:
    if not isinstance(events, list) or not events:
        raise InvalidInput("Name at least one event type.", attr="events")
    unknown = sorted({str(e) for e in events} - set(SUBSCRIBABLE))
    if unknown:
        raise InvalidInput(f"Unknown event types: {', '.join(unknown)} (see docs/events.md).", attr="events")
    sellers_only = sorted({str(e) for e in events} - set(BUYER_SUBSCRIBABLE))
    if buyer and sellers_only:
        raise InvalidInput(
            f"A buyer company's endpoint cannot receive {', '.join(sellers_only)}: those concern sellers only "
            "(see docs/events.md).",
            attr="events",
        )
    return sorted(set(events))


def _url_check(url: str) -> str:
    url = public_url_check(url, attr="url")
    if not settings.CHANNEL_ALLOW_PRIVATE_URLS and not url.startswith("https://"):
        raise URLRefused("A webhook URL must use https.", attr="url")
    return url


def webhook_endpoint_create(
    *,
    actor: User,
    company_id: int | None,
    url: str,
    events: list[str],
    description: str = "",
    buyer_company_id: int | None = None,
    request=None,
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint; its signing secret is returned here (and on rotation) only. The caller
    has checked that `actor` owns the company or the buyer company (or is an operator, for a
    platform-wide endpoint: both None)."""
    endpoint = WebhookEndpoint.objects.create(
        owner=actor,
        company_id=company_id,
        buyer_company_id=buyer_company_id,
        url=_url_check(url),
        events=_events_check(events, buyer=buyer_company_id is not None),
        description=description[:200],
        secret=webhook_secret_new(),
    )
    security_event_record(
        kind=SecurityEvent.Kind.WEBHOOK_ENDPOINT_CHANGED,
        user=actor,
        actor=actor,
        company_id=company_id,
        request=request,
        endpoint=endpoint.pk,
        buyer_company=buyer_company_id,
        change="created",
    )
    return endpoint, endpoint.secret


@transaction.atomic
def webhook_endpoint_update(*, endpoint: WebhookEndpoint, actor: User, request=None, **changes) -> WebhookEndpoint:
    """Changes url, events, description or is_active; switching a disabled endpoint back on
    forgets its failure run."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if "url" in changes:
        endpoint.url = _url_check(changes["url"])
    if "events" in changes:
        endpoint.events = _events_check(changes["events"], buyer=endpoint.buyer_company_id is not None)
    if "description" in changes:
        endpoint.description = changes["description"][:200]
    if "is_active" in changes and changes["is_active"] != endpoint.is_active:
        endpoint.is_active = changes["is_active"]
        endpoint.disabled_at = None if endpoint.is_active else timezone.now()
        endpoint.disabled_reason = "" if endpoint.is_active else "Switched off by its owner."
        endpoint.consecutive_failures, endpoint.failing_since = 0, None
    endpoint.save()
    security_event_record(
        kind=SecurityEvent.Kind.WEBHOOK_ENDPOINT_CHANGED,
        user=endpoint.owner,
        actor=actor,
        company_id=endpoint.company_id,
        request=request,
        endpoint=endpoint.pk,
        change="updated",
        fields=sorted(changes),
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor: User, request=None) -> None:
    security_event_record(
        kind=SecurityEvent.Kind.WEBHOOK_ENDPOINT_CHANGED,
        user=endpoint.owner,
        actor=actor,
        company_id=endpoint.company_id,
        request=request,
        endpoint=endpoint.pk,
        change="deleted",
    )
    endpoint.delete()


@transaction.atomic
def webhook_secret_rotate(*, endpoint: WebhookEndpoint, actor: User, request=None) -> tuple[WebhookEndpoint, str]:
    """A new signing secret, effective for every attempt from now on (pending retries too)."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.secret = webhook_secret_new()
    endpoint.save(update_fields=["secret"])
    security_event_record(
        kind=SecurityEvent.Kind.WEBHOOK_ENDPOINT_CHANGED,
        user=endpoint.owner,
        actor=actor,
        company_id=endpoint.company_id,
        request=request,
        endpoint=endpoint.pk,
        change="secret_rotated",
    )
    return endpoint, endpoint.secret


def webhook_attempt_queue(*, delivery_id: int, countdown: float = 0) -> None:
    from core.tasks import webhook_delivery_attempt_task

    webhook_delivery_attempt_task.apply_async((delivery_id,), countdown=countdown)


def _queue_after_commit(delivery_id: int, countdown: float = 0) -> None:
    transaction.on_commit(lambda: webhook_attempt_queue(delivery_id=delivery_id, countdown=countdown), robust=True)


@transaction.atomic
def webhook_ping(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A `webhook.ping` event to this endpoint only (whatever it subscribes to)."""
    if not endpoint.is_active:
        raise WrongState("The endpoint is disabled; switch it on (PATCH is_active) before pinging it.")
    now = timezone.now()
    event = Event.objects.create(
        type=EventType.WEBHOOK_PING, data={"endpoint": endpoint.pk}, company_ids=[], dispatched_at=now
    )
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=event)
    _queue_after_commit(delivery.pk)
    return delivery


@transaction.atomic
def webhook_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Sends the delivery's event again as a new delivery: the body keeps the event id, so a
    receiver that had it already recognises it."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    if not endpoint.is_active:
        raise WrongState("The endpoint is disabled; switch it on (PATCH is_active) before redelivering.")
    again = WebhookDelivery.objects.create(endpoint=endpoint, event_id=delivery.event_id, redelivery=True)
    _queue_after_commit(again.pk)
    return again


def event_receives(endpoint: WebhookEndpoint, event: Event) -> bool:
    """Whether the endpoint gets the event: subscribed to its type, and platform-wide or owned
    by a company (or buyer company) the event concerns."""
    if event.type not in endpoint.events:
        return False
    if endpoint.buyer_company_id is not None:
        return endpoint.buyer_company_id in event.buyer_company_ids
    return endpoint.company_id is None or endpoint.company_id in event.company_ids


@transaction.atomic
def event_dispatch(*, event_id: int) -> int:
    """Fans the event out to the endpoints that receive it and tells the apps' receivers
    (e-mails); once per event, however often the task runs. Returns the deliveries made."""
    event = Event.objects.select_for_update().filter(pk=event_id).first()
    if event is None or event.dispatched_at is not None:
        return 0
    endpoints = [e for e in WebhookEndpoint.objects.filter(is_active=True).order_by("pk") if event_receives(e, event)]
    deliveries = [WebhookDelivery.objects.create(endpoint=e, event=event) for e in endpoints]
    event.dispatched_at = timezone.now()
    event.save(update_fields=["dispatched_at"])
    event_dispatched.send(sender=Event, event=event)
    for delivery in deliveries:
        _queue_after_commit(delivery.pk)
    return len(deliveries)


def events_dispatch_sweep(*, now: datetime | None = None) -> int:
    """Queues events whose dispatch task was lost (the broker was down at commit), and
    deliveries due whose attempt task was lost."""
    now = now or timezone.now()
    waiting = Event.objects.filter(dispatched_at__isnull=True, created_at__lte=now - timedelta(minutes=1))
    event_ids = list(waiting.order_by("pk").values_list("pk", flat=True)[:1000])
    for event_id in event_ids:
        event_dispatch_queue(event_id=event_id)
    due = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now - timedelta(minutes=1)
    )
    delivery_ids = list(due.order_by("pk").values_list("pk", flat=True)[:1000])
    for delivery_id in delivery_ids:
        webhook_attempt_queue(delivery_id=delivery_id)
    return len(event_ids) + len(delivery_ids)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, (parsedate_to_datetime(value) - timezone.now()).total_seconds())
        except (TypeError, ValueError):
            return None


def webhook_backoff(attempts: int) -> float:
    """Seconds before the next attempt: exponential from WEBHOOK_RETRY_BASE_SECONDS, capped at
    six hours, with jitter so that endpoints coming back are not hit all at once."""
    delay = min(settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), 6 * 3600)
    return delay * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint", "event")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != WebhookDelivery.Status.PENDING or delivery.next_attempt_at > now:
            return None
        if not delivery.endpoint.is_active:
            delivery.status, delivery.error = WebhookDelivery.Status.FAILED, "The endpoint is disabled."
            delivery.save(update_fields=["status", "error"])
            return None
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.next_attempt_at = now + timedelta(seconds=CLAIM_SECONDS)
        delivery.save(update_fields=["attempts", "last_attempt_at", "next_attempt_at"])
        return delivery


def _send(endpoint: WebhookEndpoint, event: Event) -> tuple[int | None, str, str, float | None, int, bool]:
    """(status, first bytes, error, Retry-After, latency ms, worth retrying); no exception escapes."""
    url, secret = endpoint.url, endpoint.secret
    body = webhook_body(event, endpoint)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "platform-webhooks/1",
        ID_HEADER: event.webhook_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: f"v1={webhook_sign(secret=secret, timestamp=timestamp, body=body)}",
    }
    started = time.monotonic()
    try:
        # Checked again at send time (the name may resolve elsewhere by now), and the connection
        # goes to the address checked, not to a second lookup's answer (DNS rebinding).
        with pinned_request(
            "POST",
            url,
            data=body,
            headers=headers,
            timeout=(settings.WEBHOOK_CONNECT_TIMEOUT, settings.WEBHOOK_READ_TIMEOUT),
            allow_redirects=False,  # a redirect could lead where the URL guard never looked
            stream=True,
        ) as response:
            first = next(response.iter_content(500), b"")
            latency = int((time.monotonic() - started) * 1000)
            text = first.decode("utf-8", "replace")
            status = response.status_code
            retry = status in (408, 429) or status >= 500
            return status, text, "", _retry_after(response.headers.get("Retry-After")), latency, retry
    except URLRefused as exc:
        return None, "", exc.detail[:300], None, 0, False
    except requests.RequestException as exc:  # timeouts and connection errors: worth another try
        latency = int((time.monotonic() - started) * 1000)
        return None, "", f"{type(exc).__name__}: {exc}"[:300], None, latency, True


def webhook_delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> str | None:
    """One attempt of a due delivery; returns its status after the attempt (None when it was
    not due, taken by another worker, or finished). 2xx succeeds; timeouts, connection errors,
    408, 429 and 5xx are retried with backoff for WEBHOOK_RETRY_WINDOW; any other answer fails."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    status, text, error, retry_after, latency, retry = _send(delivery.endpoint, delivery.event)
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
        delivery.response_status, delivery.response_body, delivery.latency_ms = status, text, latency
        delivery.error = error or ("" if status is None or status < 300 else f"Answered {status}.")
        if status is not None and 200 <= status < 300:
            delivery.status = WebhookDelivery.Status.SUCCEEDED
            endpoint.consecutive_failures, endpoint.failing_since = 0, None
        else:
            delay = max(webhook_backoff(delivery.attempts), retry_after or 0)
            if retry and now + timedelta(seconds=delay) <= delivery.created_at + settings.WEBHOOK_RETRY_WINDOW:
                delivery.next_attempt_at = now + timedelta(seconds=delay)
                _queue_after_commit(delivery.pk, countdown=delay)
            else:
                delivery.status = WebhookDelivery.Status.FAILED
            endpoint.consecutive_failures += 1
            endpoint.failing_since = endpoint.failing_since or now
            _disable_if_failing(endpoint, now)
        delivery.save()
        endpoint.save(
            update_fields=["consecutive_failures", "failing_since", "is_active", "disabled_at", "disabled_reason"]
        )
    return delivery.status


def _disable_if_failing(endpoint: WebhookEndpoint, now: datetime) -> None:
    """An endpoint failing WEBHOOK_DISABLE_FAILURES times in a row over WEBHOOK_DISABLE_AFTER
    (a day) is switched off and its owner told; it comes back with PATCH is_active."""
    if not endpoint.is_active or endpoint.consecutive_failures < settings.WEBHOOK_DISABLE_FAILURES:
        return
    if now - endpoint.failing_since < settings.WEBHOOK_DISABLE_AFTER:
        return
    endpoint.is_active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = (
        f"{endpoint.consecutive_failures} failed deliveries in a row since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC."
    )
    WebhookDelivery.objects.filter(endpoint=endpoint, status=WebhookDelivery.Status.PENDING).update(
        status=WebhookDelivery.Status.FAILED, error="The endpoint was disabled."
    )
    email, url, reason = endpoint.owner.email, endpoint.url, endpoint.disabled_reason
    logger.warning("webhook endpoint %s disabled: %s", endpoint.pk, reason)
    transaction.on_commit(
        lambda: email_send(
            to=email,
            template="emails/webhook_disabled.txt",
            context={"url": url, "reason": reason},
            subject="Your webhook endpoint was disabled",
        ),
        robust=True,
    )
