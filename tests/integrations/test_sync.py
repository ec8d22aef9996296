"""Between runs: stock changes reach the channels listing the product (debounced, one call per
channel), channel orders become marketplace orders exactly once with their stock reserved, and a
channel order's shipment is told back to the channel."""

import pytest
from django.conf import settings
from django.core.cache import cache

from integrations.models import ChannelListing
from integrations.services import (
    channel_inventory_push,
    channel_listings_mark_inventory,
    channel_orders_import,
    channel_tracking_push,
    syndication_job_run_inline,
    syndication_job_start,
)
from integrations.services.sync import INVENTORY_MARK_LOCK
from integrations.tasks import channel_listings_mark_inventory_task
from logistics.models import Reservation
from logistics.services import stock_receive
from marketplace.models import Order
from tests.factories import OperatorFactory
from tests.integrations.syndication_helpers import channel, listable
from tests.logistics.helpers import network

pytestmark = pytest.mark.django_db


def live_on(sim, code="kmall24", count=1):
    chan = channel(sim, code)
    items = [listable() for _ in range(count)]
    syndication_job_run_inline(
        syndication=syndication_job_start(actor=OperatorFactory(), channel=chan, mode="full", run=False)
    )
    assert ChannelListing.objects.filter(channel=chan, status="live").count() == count
    return chan, items


def test_stock_changes_mark_listings_and_one_push_sends_the_available_quantity(
    channel_simulator, django_capture_on_commit_callbacks, monkeypatch
):
    hubs = network()
    chan, (item, other) = live_on(channel_simulator, count=2)
    variant = item.variants.get()
    cache.delete(f"{INVENTORY_MARK_LOCK}:{variant.pk}")
    queued = []
    monkeypatch.setattr(
        channel_listings_mark_inventory_task, "apply_async", lambda args, countdown: queued.append((args, countdown))
    )
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        stock_receive(variant=variant, warehouse=hubs["icn"], quantity=7, reference="asn:1")
        stock_receive(variant=variant, warehouse=hubs["lax"], quantity=5, reference="asn:2")
    # Nothing in the stock's transaction: the marking waits for the commit, debounced per variant.
    assert not ChannelListing.objects.filter(inventory_dirty=True).exists()
    for callback in after_commit:
        callback()
    assert queued == [((variant.pk,), settings.SYNDICATION_INVENTORY_DEBOUNCE_SECONDS)]  # one task per window
    assert channel_listings_mark_inventory(variant_id=variant.pk) == 1  # what that task runs
    assert list(ChannelListing.objects.filter(inventory_dirty=True).values_list("product_id", flat=True)) == [item.pk]

    assert channel_inventory_push() == 1
    inventory = channel_simulator.records("kmall24")["inventory"]
    assert inventory[-1]["quantity"] == 12
    assert not ChannelListing.objects.filter(inventory_dirty=True).exists()
    assert channel_inventory_push() == 0  # nothing changed since: nothing sent
    assert len(channel_simulator.records("kmall24")["inventory"]) == len(inventory)
    del other


def test_channel_orders_import_once_reserve_stock_and_tracking_goes_back(channel_simulator):
    hubs = network()
    chan, (item,) = live_on(channel_simulator)
    variant = item.variants.get()
    stock_receive(variant=variant, warehouse=hubs["lax"], quantity=5, reference="asn:1")
    placed = channel_simulator.create_orders("kmall24", [item.slug], [2])

    assert channel_orders_import(channel_id=chan.pk) == 1
    assert channel_orders_import(channel_id=chan.pk) == 0
    assert channel_orders_import(channel_id=chan.pk, since=None) == 0
    order = Order.objects.get()
    assert (order.source, order.channel, order.external_id) == ("channel", "kmall24", placed["order_no"])
    assert order.status == Order.Status.PAID
    assert [(line.sku, line.quantity) for line in order.lines.all()] == [(variant.sku, 2)]
    reservation = Reservation.objects.get(reference=order.reservation_reference)
    assert reservation.status == Reservation.Status.ACTIVE
    assert sum(line.quantity for line in reservation.lines.all()) == 2

    from logistics.models import Fulfilment
    from logistics.services import fulfilment_pack, fulfilment_pick, fulfilment_ship, fulfilments_request

    operator = OperatorFactory()
    [fulfilment] = fulfilments_request(
        reference=order.reservation_reference,
        destination={
            "recipient_name": "Sim Buyer",
            "address_lines": ["1 Market St"],
            "city": "Springfield",
            "postal_code": "12345",
            "country": "US",
        },
    )
    fulfilment = fulfilment_pick(fulfilment=fulfilment, actor=operator)
    fulfilment = fulfilment_pack(
        fulfilment=fulfilment,
        parcels=[{"weight_kg": "1.0", "length_cm": "20", "width_cm": "20", "height_cm": "10"}],
        actor=operator,
    )
    shipment = fulfilment_ship(
        fulfilment=Fulfilment.objects.get(pk=fulfilment.pk),
        carrier="UPS",
        service="express",
        tracking_number="1Z999",
        actor=operator,
    )
    assert channel_tracking_push(shipment_id=shipment.pk) is True
    [tracking] = channel_simulator.records("kmall24")["tracking"]
    assert (tracking["order"], tracking["tracking_no"], tracking["carrier"]) == (placed["order_no"], "1Z999", "UPS")
