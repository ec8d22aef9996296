"""The event catalogue: every event the platform records in its outbox (docs/events.md has a
sample payload for each). Each app records its own events from its services with
`core.services.event_record(...)`; core delivers them to webhook endpoints and tells the apps'
receivers (`core.signals.event_dispatched`), which decide who gets an e-mail."""

from django.db import models


class EventType(models.TextChoices):
    ORDER_PLACED = "order.placed", "Order placed"
    ORDER_PAID = "order.paid", "Order paid"
    ORDER_CANCELLED = "order.cancelled", "Order cancelled"
    ORDER_FULFILLED = "order.fulfilled", "Order fulfilled"
    PAYMENT_FAILED = "payment.failed", "Payment failed"
    PAYMENT_ACTION_REQUIRED = "payment.action_required", "Payment needs the buyer's action"
    SHIPMENT_SHIPPED = "shipment.shipped", "Shipment shipped"
    SHIPMENT_DELIVERED = "shipment.delivered", "Shipment delivered"
    REFUND_EXECUTED = "refund.executed", "Refund executed"
    RETURN_REQUESTED = "return.requested", "Return requested"
    RETURN_APPROVED = "return.approved", "Return approved"
    RETURN_RECEIVED = "return.received", "Return received"
    RETURN_RESOLVED = "return.resolved", "Return resolved"
    RETURN_EXCHANGE_SHIPPED = "return.exchange_shipped", "Return exchange shipped"
    LISTING_PUBLISHED = "listing.published", "Listing published"
    CHANNEL_LISTING_LIVE = "channel_listing.live", "Channel listing live"
    CHANNEL_LISTING_REJECTED = "channel_listing.rejected", "Channel listing rejected"
    CHANNEL_LISTING_ERROR = "channel_listing.error", "Channel listing in error"
    INSPECTION_FAILED = "inspection.failed", "Inspection failed"
    INBOUND_RECEIVED = "inbound.received", "Inbound shipment received"
    RFQ_POSTED = "rfq.posted", "RFQ posted"
    RFQ_CLOSING_SOON = "rfq.closing_soon", "RFQ closing soon"
    QUOTE_SUBMITTED = "quote.submitted", "Quote submitted"
    QUOTE_ACCEPTED = "quote.accepted", "Quote accepted"
    PAYOUT_SENT = "payout.sent", "Payout sent"
    STATEMENT_READY = "statement.ready", "Statement ready"
    STOCK_LOW = "stock.low", "Stock low"
    MEMBERSHIP_APPROVED = "membership.approved", "Membership approved"
    MEMBERSHIP_REJECTED = "membership.rejected", "Membership rejected"
    BRAND_ACTIVATED = "brand.activated", "Brand activated"
    BRAND_SUSPENDED = "brand.suspended", "Brand suspended"
    # Sent by POST webhooks/{id}/ping/ to that endpoint only; never fanned out.
    WEBHOOK_PING = "webhook.ping", "Webhook ping"


SUBSCRIBABLE = [value for value in EventType.values if value != EventType.WEBHOOK_PING]

# What a buyer company (marketplace.BuyerCompany) may subscribe to: the events about its own
# orders and their shipments, refunds and returns, the RFQs it posted and the quotes it received.
BUYER_SUBSCRIBABLE = [
    EventType.ORDER_PLACED,
    EventType.ORDER_PAID,
    EventType.ORDER_CANCELLED,
    EventType.ORDER_FULFILLED,
    EventType.PAYMENT_FAILED,
    EventType.PAYMENT_ACTION_REQUIRED,
    EventType.SHIPMENT_SHIPPED,
    EventType.SHIPMENT_DELIVERED,
    EventType.REFUND_EXECUTED,
    EventType.RETURN_REQUESTED,
    EventType.RETURN_APPROVED,
    EventType.RETURN_RECEIVED,
    EventType.RETURN_RESOLVED,
    EventType.RETURN_EXCHANGE_SHIPPED,
    EventType.RFQ_POSTED,
    EventType.RFQ_CLOSING_SOON,
    EventType.QUOTE_SUBMITTED,
    EventType.QUOTE_ACCEPTED,
]
