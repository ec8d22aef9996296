from django.dispatch import receiver

from core.signals import event_dispatched
from integrations.notifications import NOTIFY
from integrations.services import channel_inventory_mark_queue, channel_tracking_queue
from logistics.signals import shipment_shipped, stock_changed


@receiver(stock_changed, dispatch_uid="integrations_stock_changed")
def on_stock_changed(sender, *, variant_id, **kwargs):
    channel_inventory_mark_queue(variant_id=variant_id)


@receiver(shipment_shipped, dispatch_uid="integrations_shipment_shipped")
def on_shipment_shipped(sender, *, shipment_id, reference, **kwargs):
    channel_tracking_queue(shipment_id=shipment_id, reference=reference)


@receiver(event_dispatched, dispatch_uid="integrations_event_dispatched")
def on_event_dispatched(sender, *, event, **kwargs):
    """E-mails about the events this app owns (docs/events.md): integrations/notifications.py."""
    if event.type in NOTIFY:
        NOTIFY[event.type](event)
