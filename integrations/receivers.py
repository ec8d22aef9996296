from django.dispatch import receiver

from integrations.services import channel_inventory_mark_queue, channel_tracking_queue
from logistics.signals import shipment_shipped, stock_changed


@receiver(stock_changed, dispatch_uid="integrations_stock_changed")
def on_stock_changed(sender, *, variant_id, **kwargs):
    channel_inventory_mark_queue(variant_id=variant_id)


@receiver(shipment_shipped, dispatch_uid="integrations_shipment_shipped")
def on_shipment_shipped(sender, *, shipment_id, reference, **kwargs):
    channel_tracking_queue(shipment_id=shipment_id, reference=reference)
