"""buyKOREA: B2B offers with MOQ, FOB price tiers in USD, lead time, HS code and the company profile.

Offers are created under the seller's account (`POST /openapi/v1/sellers/{seller}/products`, at
most 50 per account) with the listing's idempotency key in `X-Client-Reference`, so a retried
create whose answer was lost returns the same product number; a known reference with new content
answers DUPLICATE_REFERENCE and is then updated by `PUT /openapi/v1/products/{productNo}`.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from functools import partial
from urllib.parse import quote

from integrations.connectors.base import (
    ChannelOrder,
    ChannelOrderLine,
    InventoryLevel,
    Issue,
    ListingData,
    PushResult,
    TrackingUpdate,
)
from integrations.connectors.common import ChannelConnector, digest, issue, parse_time
from integrations.http.errors import ChannelError

NAME_MAX = 200
SELLER_LIMIT = 50
PRICE_MIN, PRICE_MAX = Decimal("0.01"), Decimal("1000000")

CODES = {
    "BK-101": "missing_locale",
    "BK-102": "title_too_long",
    "BK-103": "moq_missing",
    "BK-104": "missing_price_tiers",
    "BK-105": "missing_hs_code",
    "BK-106": "missing_lead_time",
    "BK-107": "missing_company_profile",
    "BK-108": "image_count",
    "BK-109": "price_out_of_range",
}
FIELDS = {
    "productNameEn": "titles.en",
    "minOrderQty": "moq",
    "fobPrices": "tiers",
    "fobPrices.unitPrice": "tiers",
    "hsCode": "hs_code",
    "leadTimeDays": "lead_time_days",
    "company": "company",
    "images": "image_urls",
}


def seller_account(listing: ListingData) -> str:
    """Each SME has its own buyKOREA seller account; the platform acts for it."""
    return f"C{listing.company.id}"


class BuyKoreaConnector(ChannelConnector):
    code = "buykorea"
    idempotency_header = "X-Client-Reference"
    RULES = {
        "kind": "b2b",
        "locales_required": ["en"],
        "currency": "USD",
        "price_basis": "FOB price tiers",
        "title_max_length": NAME_MAX,
        "min_images": 1,
        "moq_required": True,
        "hs_code_required": True,
        "lead_time_required": True,
        "company_profile_required": True,
        "seller_limit": SELLER_LIMIT,
        "max_batch": 1,
        "idempotency": "X-Client-Reference per listing and content version",
    }

    @classmethod
    def auth_headers(cls, credentials):
        return {"Authorization": f"Bearer {credentials.get('token', '')}"}

    def fob_tiers(self, listing: ListingData) -> list[tuple[int, Decimal]]:
        return [(quantity, self.amount_in(price, listing, "USD")) for quantity, price in listing.tiers]

    def validate(self, listing: ListingData) -> list[Issue]:
        issues = []
        if listing.mode == "b2c":
            issues.append(issue("mode_unsupported", "mode", "buyKOREA lists B2B offers; the product is B2C only."))
        name = listing.titles.get("en", "")
        if not name.strip():
            issues.append(issue("missing_locale", "titles.en", "English product name is required."))
        elif len(name) > NAME_MAX:
            issues.append(issue("title_too_long", "titles.en", "Product name must be 200 characters or fewer."))
        if not listing.moq or listing.moq < 1:
            issues.append(issue("moq_missing", "moq", "Minimum order quantity is required."))
        tiers = self.fob_tiers(listing)
        if not tiers:
            issues.append(issue("missing_price_tiers", "tiers", "At least one FOB price is required."))
        elif any(not PRICE_MIN <= price <= PRICE_MAX for _, price in tiers):
            issues.append(
                issue("price_out_of_range", "tiers", "FOB unit price must be between 0.01 and 1,000,000 USD.")
            )
        if not re.fullmatch(r"\d{6,10}", listing.hs_code or ""):
            issues.append(issue("missing_hs_code", "hs_code", "HS code (6-10 digits) is required."))
        if not listing.lead_time_days:
            issues.append(issue("missing_lead_time", "lead_time_days", "Lead time is required."))
        if not listing.company.legal_name or not listing.company.country:
            issues.append(
                issue("missing_company_profile", "company", "Company profile (name and country) is required.")
            )
        if not listing.image_urls:
            issues.append(issue("image_count", "image_urls", "At least one product image is required."))
        if "FOB" not in listing.incoterms:
            issues.append(issue("missing_attribute", "incoterms", "FOB terms are what buyers compare.", "warning"))
        return issues

    def render(self, listing: ListingData) -> dict:
        return {
            "productRef": listing.reference,
            "productNameEn": listing.titles.get("en", ""),
            "productNameKo": listing.titles.get("ko", ""),
            "description": listing.descriptions.get("en", ""),
            "hsCode": listing.hs_code,
            "origin": listing.origin_country,
            "category": listing.category_path,
            "brand": listing.brand or "",
            "minOrderQty": listing.moq,
            "orderMultiple": listing.order_multiple,
            "fobPrices": [
                {"minQty": quantity, "unitPrice": str(price), "currency": "USD"}
                for quantity, price in self.fob_tiers(listing)
            ],
            "leadTimeDays": listing.lead_time_days,
            "incoterms": list(listing.incoterms),
            "images": list(listing.image_urls),
            # buyKOREA lists a product's certifications to buyers; the platform's mark is one of them.
            "certifications": [
                {"name": "Platform quality mark", "validUntil": listing.platform_mark_until.date().isoformat()}
            ]
            if listing.platform_mark_until
            else [],
            "company": {
                "companyName": listing.company.legal_name,
                "country": listing.company.country,
                "businessType": listing.company.sector,
            },
        }

    @staticmethod
    def normalise(body: dict) -> tuple[Issue, ...]:
        if body.get("resultCode") == "SELLER_LIMIT_EXCEEDED":
            return (issue("seller_limit", "company", body.get("errorMsg", "")),)
        return tuple(
            issue(
                CODES.get(e.get("errorCode"), "channel_rule"), FIELDS.get(e.get("fieldName"), ""), e.get("errorMsg", "")
            )
            for e in body.get("errors", [])
        )

    def push_one(self, listing: ListingData, payload: dict | None = None) -> PushResult:
        payload = self.render(listing) if payload is None else payload
        reference = listing.reference
        try:
            response = self.client.request(
                "POST",
                f"openapi/v1/sellers/{seller_account(listing)}/products",
                json=payload,
                idempotency_key=listing.idempotency_key,
            )
            body = self.client.body(response)
            if response.status_code == 409 and body.get("resultCode") == "DUPLICATE_REFERENCE":
                response = self.client.request("PUT", f"openapi/v1/products/{body['productNo']}", json=payload)
                body = self.client.body(response)
        except ChannelError as exc:
            return self.failed(reference, exc)
        if response.status_code in (200, 201):
            return PushResult(reference=reference, status="live", external_id=body.get("productNo", ""))
        if response.status_code in (400, 403):
            return PushResult(reference=reference, status="rejected", issues=self.normalise(body))
        return PushResult(
            reference=reference,
            status="error",
            issues=(issue("channel_error", "", f"buyKOREA answered {response.status_code}: {body}"),),
        )

    def delist(self, refs: list[tuple[str, str]]) -> list[PushResult]:
        return [
            self.delisted(
                ref, ext, partial(self.client.request, "DELETE", f"openapi/v1/products/{quote(ext, safe='')}")
            )
            for ref, ext in refs
        ]

    def fetch_orders(self, since: datetime | None) -> list[ChannelOrder]:
        params = {"fromDate": since.isoformat()} if since else {}
        body = self.client.json("GET", "openapi/v1/orders", params=params)
        return [
            ChannelOrder(
                external_id=o["orderNo"],
                placed_at=parse_time(o["orderDate"]),
                currency=o.get("currency", "USD"),
                buyer_email=(o.get("buyer") or {}).get("email", ""),
                shipping_address=o.get("deliveryAddress") or {},
                lines=tuple(
                    ChannelOrderLine(
                        sku=i["productRef"], quantity=int(i["quantity"]), unit_price=Decimal(str(i["unitPrice"]))
                    )
                    for i in o.get("items", [])
                ),
            )
            for o in body.get("orders", [])
        ]

    def push_inventory(self, levels: list[InventoryLevel]) -> None:
        # An offer has one available quantity: the sum over its variants.
        totals: dict[str, int] = {}
        for level in levels:
            totals[level.external_id] = totals.get(level.external_id, 0) + max(0, level.available)
        for external_id, available in totals.items():
            self.client.json(
                "PUT", f"openapi/v1/products/{quote(external_id, safe='')}/stock", json={"availableQty": available}
            )

    def push_tracking(self, shipment: TrackingUpdate) -> None:
        payload = {
            "courier": shipment.carrier,
            "invoiceNo": shipment.tracking_number,
            "shippedAt": shipment.shipped_at.isoformat(),
        }
        self.client.json(
            "POST",
            f"openapi/v1/orders/{quote(shipment.external_order_id, safe='')}/shipping",
            json=payload,
            idempotency_key=f"track:{shipment.external_order_id}:{digest(payload)[:12]}",
        )
