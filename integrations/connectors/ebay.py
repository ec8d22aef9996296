"""eBay: inventory item keyed by SKU -> offer (marketplace, category, price, policies) -> publish.

Three calls per item, made in bulk for at most 25 items at a time. eBay accepts incomplete items
and offers; its required fields are checked only at publish, and those errors come back per offer.
An offer is unique per SKU and marketplace, so a retried create answers "Offer entity already
exists" (25002) with the existing offer id, which is then updated instead of duplicated.
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

BULK_MAX = 25
TITLE_MAX = 80
MAX_IMAGES = 24
PRICE_MIN, PRICE_MAX = Decimal("0.99"), Decimal("99999")
MARKETPLACES = {"US": "EBAY_US", "GB": "EBAY_GB", "DE": "EBAY_DE", "AU": "EBAY_AU", "CA": "EBAY_CA"}
POLICIES = ("fulfillment_policy_id", "payment_policy_id", "return_policy_id")
INVENTORY = "sell/inventory/v1"

CODES = {
    25021: "title_too_long",
    25015: "image_count",
    25014: "missing_attribute",
    25016: "missing_weight",
    25004: "category_unmapped",
    25019: "price_out_of_range",
    25007: "missing_attribute",
    25702: "missing_attribute",
}
PARAMETERS = {
    "title": "titles.en",
    "imageUrls": "image_urls",
    "aspects.Brand": "brand",
    "categoryId": "category_path",
    "price": "retail_price",
}


def _chunks(items: list, size: int = BULK_MAX):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class EbayConnector(ChannelConnector):
    code = "ebay"
    RULES = {
        "kind": "b2c",
        "locales_required": ["en"],
        "currency": "marketplace currency (USD on EBAY_US)",
        "title_max_length": TITLE_MAX,
        "min_images": 1,
        "max_images": MAX_IMAGES,
        "price_range": [str(PRICE_MIN), str(PRICE_MAX)],
        "category_mapping_required": True,
        "item_specifics_required": ["Brand"],
        "weight_required": True,
        "max_batch": BULK_MAX,
        "calls_per_item": 3,
        "checked_at": "publish",
    }

    @classmethod
    def auth_headers(cls, credentials):
        return {"Authorization": f"Bearer {credentials.get('token', '')}"}

    @property
    def marketplace(self) -> str:
        return MARKETPLACES.get(self.config.destination_country or "US", "EBAY_US")

    @property
    def currency(self) -> str:
        return self.config.currency or "USD"

    def brand(self, listing: ListingData) -> str:
        return listing.brand or listing.attributes.get("brand", "")

    def validate(self, listing: ListingData) -> list[Issue]:
        issues = []
        if listing.mode == "b2b":
            issues.append(
                issue("mode_unsupported", "mode", "eBay fixed-price listings are B2C; the product is B2B only.")
            )
        title = listing.titles.get("en", "")
        if not title.strip():
            issues.append(issue("missing_locale", "titles.en", "The title is missing."))
        elif len(title) > TITLE_MAX:
            issues.append(issue("title_too_long", "titles.en", "The title may not exceed 80 characters."))
        if not 1 <= len(listing.image_urls) <= MAX_IMAGES:
            issues.append(issue("image_count", "image_urls", "At least one picture (at most 24) is required."))
        if not self.brand(listing):
            issues.append(issue("missing_attribute", "brand", "The item specific Brand is missing."))
        if not self.weight_kg(listing):
            issues.append(
                issue("missing_weight", "variants.weight_kg", "Package weight is required for calculated shipping.")
            )
        if not self.config.category_mapping.get(listing.category_path):
            issues.append(
                issue(
                    "category_unmapped", "category_path", f"No eBay category is mapped for '{listing.category_path}'."
                )
            )
        price = self.price_in(listing, self.currency)
        if price is None or not PRICE_MIN <= price <= PRICE_MAX:
            issues.append(issue("price_out_of_range", "retail_price", "The price is out of range."))
        for name in POLICIES:
            if not self.config.credentials.get(name):
                issues.append(issue("missing_attribute", f"policies.{name}", f"{name} is required."))
        return issues

    def render(self, listing: ListingData) -> dict:
        weight = self.weight_kg(listing)
        price = self.price_in(listing, self.currency)
        aspects = {key.title(): [str(value)] for key, value in listing.attributes.items() if value}
        if self.brand(listing):
            aspects["Brand"] = [self.brand(listing)]
        aspects["Country/Region of Manufacture"] = [listing.origin_country]
        if listing.material:
            aspects["Material"] = [listing.material]
        if listing.platform_mark_until:
            # An item specific of our own naming: eBay shows custom aspects under Item specifics.
            aspects["Quality Mark"] = [f"Platform quality mark, valid until {listing.platform_mark_until.date()}"]
        return {
            "inventory_item": {
                "sku": listing.reference,
                "locale": "en_US",
                "condition": "NEW",
                "product": {
                    "title": listing.titles.get("en", ""),
                    "description": listing.descriptions.get("en", ""),
                    "aspects": aspects,
                    "imageUrls": list(listing.image_urls),
                },
                "availability": {"shipToLocationAvailability": {"quantity": self.available(listing)}},
                "packageWeightAndSize": {"weight": {"value": str(weight), "unit": "KILOGRAM"}} if weight else {},
            },
            "offer": {
                "sku": listing.reference,
                "marketplaceId": self.marketplace,
                "format": "FIXED_PRICE",
                "categoryId": self.config.category_mapping.get(listing.category_path, ""),
                "availableQuantity": self.available(listing),
                "pricingSummary": {
                    "price": {"value": str(price) if price is not None else "", "currency": self.currency}
                },
                "listingPolicies": {
                    "fulfillmentPolicyId": self.config.credentials.get("fulfillment_policy_id", ""),
                    "paymentPolicyId": self.config.credentials.get("payment_policy_id", ""),
                    "returnPolicyId": self.config.credentials.get("return_policy_id", ""),
                },
                "tax": {"applyTax": True},
            },
        }

    @staticmethod
    def normalise(errors: list[dict]) -> tuple[Issue, ...]:
        result = []
        for error in errors:
            name = next((p.get("name", "") for p in error.get("parameters") or []), "")
            code = CODES.get(error.get("errorId"))
            if code is None:
                code = "missing_locale" if name == "title" else "channel_rule"
            result.append(issue(code, PARAMETERS.get(name, name), error.get("message", "")))
        return tuple(result)

    def push(self, batch: list[ListingData]) -> list[PushResult]:
        results: dict[str, PushResult] = {}
        valid = []
        for listing in batch:
            blocking = self.blocking(listing)
            if blocking:
                results[listing.reference] = PushResult(
                    reference=listing.reference, status="rejected", issues=tuple(blocking)
                )
            else:
                valid.append(listing)
        for group in _chunks(valid):
            for result in self.push_group(group):
                results[result.reference] = result
        return [results[listing.reference] for listing in batch]

    def push_group(self, group: list[ListingData]) -> list[PushResult]:
        """Up to 25 listings: bulk item upsert, bulk offer create (update existing ones), bulk publish."""
        payloads = {listing.reference: self.render(listing) for listing in group}
        outcome: dict[str, PushResult] = {}
        key = digest(sorted(listing.idempotency_key for listing in group))
        try:
            items = self.client.json(
                "POST",
                f"{INVENTORY}/bulk_create_or_replace_inventory_item",
                json={"requests": [p["inventory_item"] for p in payloads.values()]},
                idempotency_key=f"items:{key}",
            )
            for row in items.get("responses", []):
                if row.get("statusCode", 500) >= 400:
                    outcome[row["sku"]] = PushResult(
                        reference=row["sku"], status="rejected", issues=self.normalise(row.get("errors", []))
                    )
            pending = [ref for ref in payloads if ref not in outcome]
            offers: dict[str, str] = {}
            if pending:
                created = self.client.json(
                    "POST",
                    f"{INVENTORY}/bulk_create_offer",
                    json={"requests": [payloads[ref]["offer"] for ref in pending]},
                    idempotency_key=f"offers:{key}",
                )
                for row in created.get("responses", []):
                    sku = row.get("sku", "")
                    if row.get("statusCode") == 201:
                        offers[sku] = row["offerId"]
                        continue
                    existing = next(
                        (
                            p.get("value")
                            for e in row.get("errors", [])
                            if e.get("errorId") == 25002
                            for p in e.get("parameters", [])
                            if p.get("name") == "offerId"
                        ),
                        None,
                    )
                    if existing:
                        self.client.request("PUT", f"{INVENTORY}/offer/{existing}", json=payloads[sku]["offer"])
                        offers[sku] = existing
                    else:
                        outcome[sku] = PushResult(
                            reference=sku, status="rejected", issues=self.normalise(row.get("errors", []))
                        )
            if offers:
                published = self.client.json(
                    "POST",
                    f"{INVENTORY}/bulk_publish_offer",
                    json={"requests": [{"offerId": offer_id} for offer_id in offers.values()]},
                    idempotency_key=f"publish:{key}",
                )
                by_offer = {offer_id: sku for sku, offer_id in offers.items()}
                for row in published.get("responses", []):
                    sku = by_offer.get(row.get("offerId"), "")
                    if row.get("statusCode") == 200:
                        outcome[sku] = PushResult(reference=sku, status="live", external_id=row["offerId"])
                    else:
                        outcome[sku] = PushResult(
                            reference=sku,
                            status="rejected",
                            external_id=row.get("offerId", ""),
                            issues=self.normalise(row.get("errors", [])),
                        )
        except ChannelError as exc:
            return [outcome.get(ref) or self.failed(ref, exc) for ref in payloads]
        return [
            outcome.get(ref)
            or PushResult(reference=ref, status="error", issues=(issue("channel_error", "", "eBay gave no answer."),))
            for ref in payloads
        ]

    def delist(self, refs: list[tuple[str, str]]) -> list[PushResult]:
        return [
            self.delisted(
                ref,
                offer_id,
                partial(
                    self.client.request,
                    "POST",
                    f"{INVENTORY}/offer/{quote(offer_id, safe='')}/withdraw",
                    idempotency_key=f"withdraw:{offer_id}",
                ),
            )
            for ref, offer_id in refs
        ]

    def fetch_orders(self, since: datetime | None) -> list[ChannelOrder]:
        params = {"filter": f"creationdate:[{since.isoformat()}..]"} if since else {}
        body = self.client.json("GET", "sell/fulfillment/v1/order", params=params)
        orders = []
        for o in body.get("orders", []):
            lines = o.get("lineItems", [])
            ship_to = ((o.get("fulfillmentStartInstructions") or [{}])[0].get("shippingStep") or {}).get("shipTo") or {}
            orders.append(
                ChannelOrder(
                    external_id=o["orderId"],
                    placed_at=parse_time(o["creationDate"]),
                    currency=(lines[0]["lineItemCost"]["currency"] if lines else self.currency),
                    buyer_email=((o.get("buyer") or {}).get("buyerRegistrationAddress") or {}).get("email", ""),
                    shipping_address=ship_to,
                    lines=tuple(
                        ChannelOrderLine(
                            sku=i["sku"],
                            quantity=int(i["quantity"]),
                            unit_price=Decimal(str(i["lineItemCost"]["value"])),
                        )
                        for i in lines
                    ),
                )
            )
        return orders

    def push_inventory(self, levels: list[InventoryLevel]) -> None:
        totals: dict[str, int] = {}
        for level in levels:
            totals[level.reference] = totals.get(level.reference, 0) + max(0, level.available)
        rows = [{"sku": sku, "shipToLocationAvailability": {"quantity": qty}} for sku, qty in totals.items()]
        for group in _chunks(rows):
            payload = {"requests": group}
            self.client.json(
                "POST", f"{INVENTORY}/bulk_update_price_quantity", json=payload, idempotency_key=digest(payload)
            )

    def push_tracking(self, shipment: TrackingUpdate) -> None:
        payload = {
            "lineItems": [],
            "shippedDate": shipment.shipped_at.isoformat(),
            "shippingCarrierCode": shipment.carrier,
            "trackingNumber": shipment.tracking_number,
        }
        self.client.json(
            "POST",
            f"sell/fulfillment/v1/order/{quote(shipment.external_order_id, safe='')}/shipping_fulfillment",
            json=payload,
            idempotency_key=f"track:{shipment.external_order_id}:{shipment.tracking_number}",
        )
