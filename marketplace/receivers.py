from django.dispatch import receiver

from brands.signals import brand_status_changed
from core.signals import event_buyers_resolving, event_dispatched, user_closing, user_data_exporting
from listings.signals import product_changed
from logistics.signals import (
    backorders_stocked,
    return_inspected,
    return_received,
    shipment_delivered,
    shipment_shipped,
)
from marketplace.notifications import NOTIFY
from marketplace.notifications_sellers import SELLER_NOTIFY
from marketplace.notifications_trade import TRADE_NOTIFY
from marketplace.services.exchanges import exchange_shipment_delivered, exchange_shipment_shipped
from marketplace.services.order_backorders import order_backorder_stocked
from marketplace.services.order_fulfilment import order_shipment_delivered
from marketplace.services.privacy import buyer_data_erase, buyer_data_export
from marketplace.services.returns import return_goods_inspected, return_goods_received
from marketplace.services.storefront import search_document_refresh, search_documents_refresh_brand
from marketplace.trade_selectors import reference_buyer_company_ids


@receiver(product_changed, dispatch_uid="marketplace_product_changed")
def on_product_changed(sender, *, product_id, **kwargs):
    search_document_refresh(product_id=product_id)


@receiver(brand_status_changed, dispatch_uid="marketplace_brand_status_changed")
def on_brand_status_changed(sender, *, brand_id, **kwargs):
    search_documents_refresh_brand(brand_id=brand_id)


@receiver(shipment_delivered, dispatch_uid="marketplace_shipment_delivered")
def on_shipment_delivered(sender, *, shipment_id, reference, **kwargs):
    order_shipment_delivered(reference=reference, shipment_id=shipment_id)


@receiver(shipment_delivered, dispatch_uid="marketplace_exchange_shipment_delivered")
def on_exchange_shipment_delivered(sender, *, shipment_id, reference, **kwargs):
    exchange_shipment_delivered(reference=reference, shipment_id=shipment_id)


@receiver(shipment_shipped, dispatch_uid="marketplace_exchange_shipment_shipped")
def on_exchange_shipment_shipped(sender, *, shipment_id, reference, carrier, tracking_number, **kwargs):
    exchange_shipment_shipped(
        reference=reference, shipment_id=shipment_id, carrier=carrier, tracking_number=tracking_number
    )


@receiver(backorders_stocked, dispatch_uid="marketplace_backorders_stocked")
def on_backorders_stocked(sender, *, reference, reservation_reference, **kwargs):
    order_backorder_stocked(reference=reference, reservation_reference=reservation_reference)


@receiver(return_received, dispatch_uid="marketplace_return_received")
def on_return_received(sender, *, reference, **kwargs):
    return_goods_received(reference=reference)


@receiver(return_inspected, dispatch_uid="marketplace_return_inspected")
def on_return_inspected(sender, *, reference, grades, **kwargs):
    return_goods_inspected(reference=reference, grades=grades)


@receiver(user_data_exporting, dispatch_uid="marketplace_user_data_exporting")
def on_user_data_exporting(sender, *, user, **kwargs):
    return buyer_data_export(user=user)


@receiver(user_closing, dispatch_uid="marketplace_user_closing")
def on_user_closing(sender, *, user, **kwargs):
    buyer_data_erase(user=user)


@receiver(event_dispatched, dispatch_uid="marketplace_event_dispatched")
def on_event_dispatched(sender, *, event, **kwargs):
    """E-mails about the events this app owns (docs/events.md): marketplace/notifications.py
    (orders and payments), notifications_trade.py (returns, RFQs and quotes) and
    notifications_sellers.py (the sellers' deals and money)."""
    if event.type in NOTIFY:
        NOTIFY[event.type](event)
    if event.type in TRADE_NOTIFY:
        TRADE_NOTIFY[event.type](event)
    if event.type in SELLER_NOTIFY:
        SELLER_NOTIFY[event.type](event)


@receiver(event_buyers_resolving, dispatch_uid="marketplace_event_buyers_resolving")
def on_event_buyers_resolving(sender, *, type, data, **kwargs):
    """A shipment's events name the buyer company of the order it carries (docs/events.md)."""
    if "shipment" in data:
        return reference_buyer_company_ids(reference=data["shipment"].get("reference", ""))
    return []
