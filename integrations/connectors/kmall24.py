"""Kmall24: a B2C mall shown in English, Chinese and Japanese.

One listing per seller SKU (our reference), created or replaced by `PUT /api/v2/products/{sku}`:
all three titles, a USD retail price, at least two images and a shipping weight are required.
A PUT is idempotent by the SKU, so it is safe to retry.
"""

from __future__ import annotations

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

# Kmall24's locales and the platform's content locales they are filled from.
LOCALES = {"en": "en", "zh": "zh-hans", "ja": "ja"}
TITLE_MAX = 100
PRICE_MIN, PRICE_MAX = Decimal("1.00"), Decimal("5000.00")
MIN_IMAGES = 2
INVENTORY_BATCH = 100

# Kmall24's own error codes -> the normalised codes.
CODES = {
    "E1001": "missing_locale",
    "E1002": "title_too_long",
    "E1003": "image_count",
    "E1004": "price_out_of_range",
    "E1005": "missing_weight",
    "E1006": "invalid_currency",
}


class Kmall24Connector(ChannelConnector):
    code = "kmall24"
    RULES = {
        "kind": "b2c",
        "locales_required": ["en", "zh-hans", "ja"],
        "currency": "USD",
        "title_max_length": TITLE_MAX,
        "price_range": [str(PRICE_MIN), str(PRICE_MAX)],
        "min_images": MIN_IMAGES,
        "weight_required": True,
        "max_batch": 1,
        "idempotency": "PUT by seller SKU",
    }
    independent_calls = True  # each PUT replaces one SKU's listing, whatever came before it

    @classmethod
    def auth_headers(cls, credentials):
        return {"X-Kmall-Api-Key": credentials.get("api_key", "")}

    def validate(self, listing: ListingData) -> list[Issue]:
        issues = []
        if listing.mode == "b2b":
            issues.append(issue("mode_unsupported", "mode", "Kmall24 sells to consumers; the product is B2B only."))
        for kmall_locale, locale in LOCALES.items():
            title = listing.titles.get(locale, "")
            if not title.strip():
                issues.append(
                    issue("missing_locale", f"titles.{locale}", f"Product title ({kmall_locale}) is mandatory.")
                )
            elif len(title) > TITLE_MAX:
                issues.append(
                    issue("title_too_long", f"titles.{locale}", f"Title ({kmall_locale}) exceeds {TITLE_MAX} chars.")
                )
            if not listing.descriptions.get(locale, "").strip():
                issues.append(
                    issue(
                        "missing_locale",
                        f"descriptions.{locale}",
                        f"A description in {kmall_locale} is recommended.",
                        "warning",
                    )
                )
        if len(listing.image_urls) < MIN_IMAGES:
            issues.append(issue("image_count", "image_urls", "At least 2 product images are required."))
        price = self.price_in(listing, "USD")
        if price is None:
            issues.append(issue("missing_price", "retail_price", "A retail price is required."))
        elif not PRICE_MIN <= price <= PRICE_MAX:
            issues.append(issue("price_out_of_range", "retail_price", "Sale price must be 1.00-5000.00 USD."))
        if not self.weight_kg(listing):
            issues.append(issue("missing_weight", "variants.weight_kg", "Shipping weight is mandatory."))
        return issues

    def render(self, listing: ListingData) -> dict:
        price = self.price_in(listing, "USD")
        weight = self.weight_kg(listing)
        return {
            "seller_sku": listing.reference,
            "title": {k: listing.titles.get(locale, "") for k, locale in LOCALES.items()},
            "description": {k: listing.descriptions.get(locale, "") for k, locale in LOCALES.items()},
            "price": {"amount": str(price) if price is not None else None, "currency": "USD"},
            "images": list(listing.image_urls),
            "shipping_weight_g": int(weight * 1000) if weight else None,
            "brand": listing.brand or listing.company.legal_name,
            "category": listing.category_path,
            "origin_country": listing.origin_country,
            "hs_code": listing.hs_code,
            "options": [{"sku": v.sku, "options": v.options, "stock": v.available} for v in listing.variants],
            "stock": self.available(listing),
            # Kmall24 shows verified-quality badges on the product page; [] takes a lapsed one off.
            "badges": [{"code": "platform_quality_mark", "valid_until": listing.platform_mark_until.date().isoformat()}]
            if listing.platform_mark_until
            else [],
        }

    @staticmethod
    def normalise(errors: list[dict]) -> tuple[Issue, ...]:
        return tuple(
            issue(CODES.get(e.get("code"), "channel_rule"), e.get("field", ""), e.get("message", "")) for e in errors
        )

    def push_one(self, listing: ListingData, payload: dict | None = None) -> PushResult:
        """Send one listing as is (no dry run first); the channel's own refusal comes back normalised."""
        payload = self.render(listing) if payload is None else payload
        try:
            response = self.client.request("PUT", f"api/v2/products/{quote(listing.reference, safe='')}", json=payload)
            body = self.client.body(response)
        except ChannelError as exc:
            return self.failed(listing.reference, exc)
        if response.status_code == 200:
            return PushResult(reference=listing.reference, status="live", external_id=body.get("product_id", ""))
        if response.status_code == 422:
            return PushResult(
                reference=listing.reference, status="rejected", issues=self.normalise(body.get("errors", []))
            )
        return PushResult(
            reference=listing.reference,
            status="error",
            issues=(issue("channel_error", "", f"Kmall24 answered {response.status_code}: {body}"),),
        )

    def delist(self, refs: list[tuple[str, str]]) -> list[PushResult]:
        return [
            self.delisted(ref, ext, partial(self.client.request, "DELETE", f"api/v2/products/{quote(ref, safe='')}"))
            for ref, ext in refs
        ]

    def fetch_orders(self, since: datetime | None) -> list[ChannelOrder]:
        params = {"from": since.isoformat()} if since else {}
        body = self.client.json("GET", "api/v2/orders", params=params)
        return [
            ChannelOrder(
                external_id=o["order_no"],
                placed_at=parse_time(o["ordered_at"]),
                currency=o.get("currency", "USD"),
                buyer_email=(o.get("buyer") or {}).get("email", ""),
                shipping_address=o.get("ship_to") or {},
                lines=tuple(
                    ChannelOrderLine(
                        sku=i["seller_sku"], quantity=int(i["qty"]), unit_price=Decimal(str(i["unit_price"]))
                    )
                    for i in o.get("items", [])
                ),
            )
            for o in body.get("orders", [])
        ]

    def push_inventory(self, levels: list[InventoryLevel]) -> None:
        for start in range(0, len(levels), INVENTORY_BATCH):
            chunk = levels[start : start + INVENTORY_BATCH]
            payload = {
                "items": [
                    {"seller_sku": level.reference, "option_sku": level.sku, "quantity": max(0, level.available)}
                    for level in chunk
                ]
            }
            # Absolute quantities: applying the same payload twice is harmless, so the key is its digest.
            self.client.json("POST", "api/v2/inventory", json=payload, idempotency_key=digest(payload))

    def push_tracking(self, shipment: TrackingUpdate) -> None:
        payload = {
            "carrier": shipment.carrier,
            "tracking_no": shipment.tracking_number,
            "shipped_at": shipment.shipped_at.isoformat(),
        }
        self.client.json(
            "POST",
            f"api/v2/orders/{quote(shipment.external_order_id, safe='')}/shipments",
            json=payload,
            idempotency_key=f"track:{shipment.external_order_id}:{shipment.tracking_number}",
        )
