"""Tracking: the events of a shipment once it left (a fulfilment's or a consignment's), recorded by
operators or sent by carriers through a signed webhook, moving the shipment forward to delivered.
A shipment is locked on its own."""

import hashlib
import hmac
import time
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import InvalidInput
from core.events import EventType
from core.permissions import require_operator
from logistics.models import Shipment, TrackingEvent
from logistics.services.events import shipment_event_publish
from logistics.services.fulfilment import _text
from logistics.signals import shipment_delivered

S = Shipment.Status
SOURCE = TrackingEvent.Source
# Normal progress of a shipment; an exception may happen at any point and is left by any later event.
PROGRESS = {S.IN_TRANSIT: 1, S.CUSTOMS: 2, S.OUT_FOR_DELIVERY: 3, S.DELIVERED: 4}
SIGNATURE_TOLERANCE_SECONDS = 300


def _advances(current: str, new: str) -> bool:
    """Whether an event moves the shipment: forward only, never away from delivered; an
    exception interrupts any other state and any later event ends it."""
    if current == S.DELIVERED or current == new:
        return False
    if S.EXCEPTION in (current, new):
        return True
    return PROGRESS[new] > PROGRESS[current]


def shipment_reference(shipment: Shipment) -> str:
    """The opaque reference the shipment carries goods for (a fulfilment's or a consignment's)."""
    return shipment.fulfilment.reference if shipment.fulfilment_id else shipment.consignment.reference


@transaction.atomic
def shipment_track(
    *,
    shipment: Shipment,
    status: str,
    occurred_at: datetime,
    description: str = "",
    location: str = "",
    source: str = SOURCE.OPERATOR,
    external_id: str = "",
    actor=None,
) -> tuple[TrackingEvent, bool]:
    """Records a tracking event and moves the shipment forward (never backward, never away
    from delivered). `delivered` sets delivered_at and sends shipment_delivered, once.
    Operators record events as themselves; carrier events (source "carrier") come through the
    signature-checked webhook and carry the carrier's event id, recorded once: a repeat returns
    the first event with created False and changes nothing."""
    if source == SOURCE.OPERATOR:
        require_operator(actor, "records tracking events")
    elif source != SOURCE.CARRIER:
        raise InvalidInput("The source is operator or carrier.", attr="source")
    if status not in S.values:
        raise InvalidInput(f"The status is one of {', '.join(S.values)}.", attr="status")
    if not isinstance(occurred_at, datetime) or timezone.is_naive(occurred_at):
        raise InvalidInput("A date and time with its time zone is required.", attr="occurred_at")
    description = _text(description, "description", 300, required=False)
    location = _text(location, "location", 150, required=False)
    external_id = _text(external_id, "external_id", 100, required=source == SOURCE.CARRIER)
    shipment = (
        Shipment.objects.select_for_update(of=("self",)).select_related("fulfilment", "consignment").get(pk=shipment.pk)
    )
    if external_id:
        seen = shipment.events.filter(external_id=external_id).first()
        if seen is not None:
            return seen, False
    event = TrackingEvent.objects.create(
        shipment=shipment,
        status=status,
        occurred_at=occurred_at,
        description=description,
        location=location,
        source=source,
        external_id=external_id,
    )
    if _advances(shipment.status, status):
        shipment.status = status
        if status == S.DELIVERED:
            shipment.delivered_at = occurred_at
        shipment.save(update_fields=["status", "delivered_at"])
        if status == S.DELIVERED:
            shipment_event_publish(shipment, EventType.SHIPMENT_DELIVERED)
            # Inside this transaction on purpose: see logistics.signals.
            shipment_delivered.send(sender=Shipment, shipment_id=shipment.pk, reference=shipment_reference(shipment))
    return event, True


def carrier_webhook_verify(*, body: bytes, signature: str | None, timestamp: str | None, now: float | None = None):
    """Checks a carrier webhook call before anything is read from it: X-Carrier-Timestamp is Unix
    seconds within 300 s of now (so a captured call cannot be replayed later), and
    X-Carrier-Signature is "sha256=" and the hex HMAC-SHA256, under CARRIER_WEBHOOK_SECRET, of
    "<timestamp>.<raw body>". Raises InvalidInput (400) otherwise."""
    if not timestamp or not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise InvalidInput("X-Carrier-Timestamp (Unix seconds) is required.", attr="X-Carrier-Timestamp")
    if abs((time.time() if now is None else now) - int(timestamp)) > SIGNATURE_TOLERANCE_SECONDS:
        raise InvalidInput("The call is too old or from the future; sign it again.", attr="X-Carrier-Timestamp")
    if not settings.CARRIER_WEBHOOK_SECRET:
        raise InvalidInput("Carrier webhooks are not configured (CARRIER_WEBHOOK_SECRET).", attr="X-Carrier-Signature")
    secret = settings.CARRIER_WEBHOOK_SECRET.encode()
    expected = "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), (signature or "").strip().encode("utf-8", "replace")):
        raise InvalidInput("The signature does not match the body.", attr="X-Carrier-Signature")


def carrier_tracking_apply(
    *,
    carrier: str,
    tracking_number: str,
    event_id: str,
    status: str,
    occurred_at: datetime,
    description: str = "",
    location: str = "",
) -> tuple[TrackingEvent, bool]:
    """A verified carrier event, for the shipment with that carrier and tracking number."""
    shipment = Shipment.objects.filter(carrier=carrier, tracking_number=tracking_number).first()
    if shipment is None:
        raise InvalidInput(f"No {carrier} shipment has this tracking number.", attr="tracking_number")
    return shipment_track(
        shipment=shipment,
        status=status,
        occurred_at=occurred_at,
        description=description,
        location=location,
        source=SOURCE.CARRIER,
        external_id=event_id,
    )
