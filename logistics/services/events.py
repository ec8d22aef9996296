"""Logistics' outbox events (docs/events.md): shipments, inbound receipts, low stock. Each
names the companies whose goods it concerns, taken from the variants' products."""

from urllib.parse import quote

from django.conf import settings

from core.events import EventType
from core.services import event_record
from listings.models import Variant
from logistics.models import Shipment, ShipmentLine, Stock

# Public tracking pages by carrier; `{number}` is the tracking number. Others get no link.
TRACKING_URLS = {
    "EMS": "https://service.epost.go.kr/trace.RetrieveEmsRigiTraceList.comm?POST_CODE={number}",
    "KPOST": "https://service.epost.go.kr/trace.RetrieveEmsRigiTraceList.comm?POST_CODE={number}",
    "DHL": "https://www.dhl.com/global-en/home/tracking/tracking-express.html?tracking-id={number}",
    "FEDEX": "https://www.fedex.com/fedextrack/?trknbr={number}",
    "UPS": "https://www.ups.com/track?tracknum={number}",
    "CJ": "https://www.cjlogistics.com/en/tool/parcel/tracking?gnbInvcNo={number}",
}


def tracking_link(carrier: str, tracking_number: str) -> str:
    template = TRACKING_URLS.get(carrier.upper().replace(" ", ""))
    return template.format(number=quote(tracking_number)) if template else ""


def shipment_event_publish(shipment: Shipment, type: str) -> None:
    """shipment.shipped / shipment.delivered, with the lines (SKU, quantity, seller company)."""
    if shipment.fulfilment_id:
        rows = ShipmentLine.objects.filter(shipment=shipment).values_list("fulfilment_line__variant_id", "quantity")
        reference = shipment.fulfilment.reference
    else:
        consignment = shipment.consignment
        rows = consignment.lines.values_list("variant_id", "quantity")
        reference = consignment.reference
    rows = list(rows)
    variants = Variant.objects.filter(pk__in=[v for v, _ in rows]).values_list("pk", "sku", "product__company_id")
    by_variant = {pk: (sku, company) for pk, sku, company in variants}
    lines = [{"sku": by_variant[v][0], "quantity": q, "company": by_variant[v][1]} for v, q in rows]
    companies = sorted({line["company"] for line in lines})
    data = {
        "shipment": {
            "id": shipment.pk,
            "reference": reference,
            "status": shipment.status,
            "carrier": shipment.carrier,
            "service": shipment.service,
            "tracking_number": shipment.tracking_number,
            "tracking_url": tracking_link(shipment.carrier, shipment.tracking_number),
            "shipped_at": shipment.shipped_at,
            "delivered_at": shipment.delivered_at,
        },
        "lines": lines,
    }
    own = {c: {"lines": [line for line in lines if line["company"] == c]} for c in companies}
    event_record(type=type, data=data, company_ids=companies, company_data=own)


def inbound_received_publish(shipment) -> None:
    """inbound.received, with each line's count against the ASN (discrepancy = received - expected)."""
    lines = [
        {
            "id": line.pk,
            "sku": line.variant.sku,
            "quantity_expected": line.quantity_expected,
            "quantity_received": line.quantity_received,
            "discrepancy": (line.quantity_received or 0) - line.quantity_expected,
        }
        for line in shipment.lines.select_related("variant").order_by("pk")
    ]
    data = {
        "inbound_shipment": {
            "id": shipment.pk,
            "company": shipment.company_id,
            "warehouse": {"id": shipment.warehouse_id, "name": shipment.warehouse.name},
            "received_at": shipment.received_at,
        },
        "lines": lines,
        "discrepancies": [line for line in lines if line["discrepancy"]],
    }
    event_record(type=EventType.INBOUND_RECEIVED, data=data, company_ids=[shipment.company_id])


def stock_low_publish(stocks) -> None:
    """stock.low for each stock row whose units on hand just fell below STOCK_LOW_THRESHOLD;
    the caller passes only rows that crossed it."""
    rows = Stock.objects.filter(pk__in=[s.pk for s in stocks]).select_related("variant__product", "warehouse")
    for stock in rows.order_by("pk"):
        company = stock.variant.product.company_id
        data = {
            "stock": {
                "id": stock.pk,
                "sku": stock.variant.sku,
                "company": company,
                "warehouse": {"id": stock.warehouse_id, "name": stock.warehouse.name},
                "on_hand": stock.on_hand,
                "reserved": stock.reserved,
                "available": stock.on_hand - stock.reserved,
                "threshold": settings.STOCK_LOW_THRESHOLD,
            }
        }
        event_record(type=EventType.STOCK_LOW, data=data, company_ids=[company])
