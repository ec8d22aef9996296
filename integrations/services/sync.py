"""Between syndication runs: available quantities to the channels listing a product (debounced),
channel orders into marketplace orders, and tracking back to the channel of a channel order."""

import logging
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError
from integrations.connectors.base import InventoryLevel, TrackingUpdate
from integrations.http.errors import ChannelUnavailable
from integrations.models import Channel, ChannelListing
from integrations.selectors import channel_connector, listings_needing_inventory
from logistics.models import Shipment
from logistics.selectors import variant_available_units
from marketplace.services.channel_orders import ImportedLine, channel_order_for_shipment, order_import_from_channel

logger = logging.getLogger(__name__)
L = ChannelListing.Status
INVENTORY_LOCK = "integrations:inventory-push-scheduled"
INVENTORY_MARK_LOCK = "integrations:inventory-mark-scheduled"


def _schedule_inventory_push() -> None:
    from integrations.tasks import channel_inventory_push_task

    delay = settings.SYNDICATION_INVENTORY_DEBOUNCE_SECONDS
    # One push per debounce window, however many stock moves happen in it.
    if cache.add(INVENTORY_LOCK, 1, timeout=delay):
        channel_inventory_push_task.apply_async(countdown=delay)


def channel_inventory_mark_queue(*, variant_id: int) -> None:
    """Stock of a variant changed: its listings are marked after commit, off the stock's hot path
    and its row locks, debounced per variant. The first change in a window queues one task that
    marks them when the window ends (channel_listings_mark_inventory, which then schedules the
    push); changes within the window commit before that task runs, so the quantity it leads to
    pushing is read after them. Without the cache, the task is queued every time."""
    transaction.on_commit(lambda: _inventory_mark_debounced(variant_id), robust=True)


def _inventory_mark_debounced(variant_id: int) -> None:
    from integrations.tasks import channel_listings_mark_inventory_task

    delay = settings.SYNDICATION_INVENTORY_DEBOUNCE_SECONDS
    try:
        first = cache.add(f"{INVENTORY_MARK_LOCK}:{variant_id}", 1, timeout=delay)
    except Exception as error:  # noqa: BLE001 - a cache outage costs a task per change, nothing more
        logger.warning("inventory debounce unavailable: %s", error)
        first = True
    if first:
        channel_listings_mark_inventory_task.apply_async((variant_id,), countdown=delay)


def channel_listings_mark_inventory(*, variant_id: int) -> int:
    """Stock of a variant changed: its product's live listings owe the channel a new quantity."""
    marked = ChannelListing.objects.filter(
        product__variants=variant_id, status__in=[L.LIVE, L.SUBMITTED], inventory_dirty=False
    ).update(inventory_dirty=True)
    if marked:
        transaction.on_commit(_schedule_inventory_push)
    return marked


def channel_inventory_push() -> int:
    """Pushes available units of every dirty listing, one call per channel; returns the levels sent.
    A listing is cleaned only if it was not marked again meanwhile (its updated_at is unchanged)."""
    sent = 0
    by_channel: dict[int, list[ChannelListing]] = {}
    for listing in listings_needing_inventory().prefetch_related("product__variants"):
        by_channel.setdefault(listing.channel_id, []).append(listing)
    for listings in by_channel.values():
        channel = listings[0].channel
        variants = [(listing, v) for listing in listings for v in listing.product.variants.all()]
        available = variant_available_units([v.pk for _, v in variants])
        levels = [
            InventoryLevel(
                reference=listing.product.slug,
                external_id=listing.external_id,
                sku=v.sku,
                available=available.get(v.pk, 0),
            )
            for listing, v in variants
        ]
        ChannelListing.objects.filter(pk__in=[listing.pk for listing in listings]).update(inventory_dirty=False)
        try:
            channel_connector(channel).push_inventory(levels)
        except (ChannelUnavailable, ApplicationError, OSError) as error:
            logger.warning("inventory push to %s failed, retried later: %s", channel.code, error)
            ChannelListing.objects.filter(pk__in=[listing.pk for listing in listings]).update(inventory_dirty=True)
            continue
        sent += len(levels)
    return sent


def channel_orders_import(*, channel_id: int, since: datetime | None = None) -> int:
    """New orders placed on the channel become marketplace orders; returns how many were new."""
    channel = Channel.objects.get(pk=channel_id)
    started = timezone.now()
    orders = channel_connector(channel).fetch_orders(since or channel.orders_imported_until)
    created = 0
    for order in orders:
        _, new = order_import_from_channel(
            channel=channel.code,
            external_id=order.external_id,
            placed_at=order.placed_at,
            currency=order.currency,
            email=order.buyer_email,
            shipping_address=order.shipping_address,
            lines=[ImportedLine(line.sku, line.quantity, line.unit_price) for line in order.lines],
        )
        created += int(new)
    Channel.objects.filter(pk=channel.pk).update(orders_imported_until=started)
    return created


def channel_orders_import_all() -> int:
    created = 0
    for channel_id in Channel.objects.filter(active=True).order_by("pk").values_list("pk", flat=True):
        try:
            created += channel_orders_import(channel_id=channel_id)
        except (ChannelUnavailable, ApplicationError) as error:
            logger.warning("order import from channel %s failed: %s", channel_id, error)
    return created


def channel_tracking_queue(*, shipment_id: int, reference: str) -> None:
    """A shipment left: if it belongs to a channel order, the channel hears of it after commit."""
    if channel_order_for_shipment(reference=reference) is None:
        return
    from integrations.tasks import channel_tracking_push_task

    transaction.on_commit(lambda: channel_tracking_push_task.delay(shipment_id))


def channel_tracking_push(*, shipment_id: int) -> bool:
    shipment = Shipment.objects.select_related("fulfilment").get(pk=shipment_id)
    found = channel_order_for_shipment(reference=shipment.fulfilment.reference)
    if found is None:
        return False
    code, external_id = found
    channel = Channel.objects.filter(code=code).first()
    if channel is None:
        return False
    channel_connector(channel).push_tracking(
        TrackingUpdate(
            external_order_id=external_id,
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            shipped_at=shipment.shipped_at,
        )
    )
    return True
