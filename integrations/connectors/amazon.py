"""Amazon: a JSON listings feed in the style of the Selling Partner API.

`push` submits one feed (`POST /feeds/2021-06-30/feeds`, with an idempotency key over the
batch's listing keys) and answers `submitted` for each listing, with external id
`<feedId>/<messageId>`. `poll` reads the feed's status (IN_QUEUE -> IN_PROGRESS -> DONE) and, once
done, the processing report: listings with an ERROR issue are rejected, the rest are live under
their seller SKU (our reference). Attributes carry language tags per marketplace; B2B listings
get a business offer with a quantity discount plan from the price tiers.
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
from integrations.connectors.common import ChannelConnector, digest, issue, parse_time, platform_mark_text
from integrations.http.errors import ChannelError

# Marketplace by destination: id, language tag, the platform locale it is filled from, currency.
MARKETPLACES = {
    "US": ("ATVPDKIKX0DER", "en_US", "en", "USD"),
    "JP": ("A1VC38T7YXB528", "ja_JP", "ja", "JPY"),
    "DE": ("A1PA6795UKMFR9", "de_DE", "de", "EUR"),
}
TITLE_MAX = 200
PRICE_MIN, PRICE_MAX = Decimal("0.01"), Decimal("100000")
FEED_MAX = 25_000  # items per JSON_LISTINGS_FEED since the SP-API change of 2025-05-06 (was 10,000)
FEEDS = "feeds/2021-06-30"

CODES = {
    "90220": "missing_attribute",
    "99010": "missing_locale",
    "8560": "title_too_long",
    "90244": "price_out_of_range",
    "8105": "category_unmapped",
    "99022": "missing_attribute",
}
ATTRIBUTES = {
    "item_name": "titles",
    "brand": "brand",
    "country_of_origin": "origin_country",
    "purchasable_offer": "retail_price",
    "main_product_image_locator": "image_urls",
    "productType": "category_path",
    "bullet_point": "descriptions",
}


class AmazonConnector(ChannelConnector):
    code = "amazon"
    RULES = {
        "kind": "b2c and b2b (business prices with quantity discounts)",
        "locales_required": ["the marketplace's language (en for US, ja for JP, de for DE)"],
        "currency": "the marketplace's currency",
        "title_max_length": TITLE_MAX,
        "min_images": 1,
        "category_mapping_required": True,
        "required_attributes": [
            "item_name",
            "brand",
            "country_of_origin",
            "purchasable_offer",
            "main_product_image_locator",
        ],
        "max_batch": FEED_MAX,
        "asynchronous": True,
    }

    @classmethod
    def auth_headers(cls, credentials):
        return {"x-amz-access-token": credentials.get("token", "")}

    @property
    def marketplace(self) -> tuple[str, str, str, str]:
        return MARKETPLACES.get(self.config.destination_country or "US", MARKETPLACES["US"])

    @property
    def seller_id(self) -> str:
        return self.config.credentials.get("seller_id", "")

    def validate(self, listing: ListingData) -> list[Issue]:
        _, tag, locale, currency = self.marketplace
        issues = []
        title = listing.titles.get(locale, "")
        if not title.strip():
            issues.append(
                issue("missing_locale", f"titles.{locale}", f"'item_name' in {tag} is required but not supplied.")
            )
        elif len(title) > TITLE_MAX:
            issues.append(issue("title_too_long", f"titles.{locale}", "'item_name' must be 200 characters or fewer."))
        if not listing.descriptions.get(locale, "").strip():
            issues.append(
                issue("missing_attribute", f"descriptions.{locale}", "'bullet_point' is recommended.", "warning")
            )
        if not (listing.brand or listing.attributes.get("brand")):
            issues.append(issue("missing_attribute", "brand", "'brand' is required but not supplied."))
        if not listing.origin_country:
            issues.append(
                issue("missing_attribute", "origin_country", "'country_of_origin' is required but not supplied.")
            )
        if not listing.image_urls:
            issues.append(
                issue("image_count", "image_urls", "'main_product_image_locator' is required but not supplied.")
            )
        if not self.config.category_mapping.get(listing.category_path):
            issues.append(
                issue("category_unmapped", "category_path", f"No product type is mapped for '{listing.category_path}'.")
            )
        price = self.offer_price(listing, currency)
        if price is None:
            issues.append(issue("missing_price", "retail_price", "'purchasable_offer' is required but not supplied."))
        elif not PRICE_MIN <= price <= PRICE_MAX * (100 if currency in ("JPY", "KRW") else 1):
            issues.append(issue("price_out_of_range", "retail_price", "The price is outside the allowed range."))
        return issues

    def offer_price(self, listing: ListingData, currency: str) -> Decimal | None:
        if listing.mode != "b2b":
            return self.price_in(listing, currency)
        return self.amount_in(listing.tiers[0][1], listing, currency) if listing.tiers else None

    def render(self, listing: ListingData) -> dict:
        marketplace_id, tag, locale, currency = self.marketplace

        def text(value):
            return [{"value": value, "language_tag": tag, "marketplace_id": marketplace_id}]

        price = self.offer_price(listing, currency)
        offers = [
            {
                "audience": "ALL",
                "currency": currency,
                "marketplace_id": marketplace_id,
                "our_price": [{"schedule": [{"value_with_tax": str(price) if price is not None else None}]}],
            }
        ]
        if listing.mode in ("b2b", "both") and listing.tiers:
            levels = [
                {"lower_bound": quantity, "value": str(self.amount_in(unit, listing, currency))}
                for quantity, unit in listing.tiers
            ]
            offers.append(
                {
                    "audience": "B2B",
                    "currency": currency,
                    "marketplace_id": marketplace_id,
                    "our_price": [{"schedule": [{"value_with_tax": levels[0]["value"]}]}],
                    "quantity_discount_plan": [{"schedule": [{"discount_type": "fixed", "levels": levels}]}],
                }
            )
        weight = self.weight_kg(listing)
        attributes = {
            "item_name": text(listing.titles.get(locale, "")) if listing.titles.get(locale) else [],
            "brand": text(listing.brand or listing.attributes.get("brand", ""))
            if (listing.brand or listing.attributes.get("brand"))
            else [],
            "product_description": text(listing.descriptions.get(locale, ""))
            if listing.descriptions.get(locale)
            else [],
            # The platform's mark, where there is one, is a bullet point of its own.
            "bullet_point": [
                *(text(listing.descriptions.get(locale, "")[:500]) if listing.descriptions.get(locale) else []),
                *(text(platform_mark_text(listing, locale)) if listing.platform_mark_until else []),
            ],
            "country_of_origin": [{"value": listing.origin_country, "marketplace_id": marketplace_id}]
            if listing.origin_country
            else [],
            "main_product_image_locator": [{"media_location": listing.image_urls[0], "marketplace_id": marketplace_id}]
            if listing.image_urls
            else [],
            "other_product_image_locator_1": [{"media_location": url} for url in listing.image_urls[1:2]],
            "purchasable_offer": offers if price is not None else [],
            "fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT", "quantity": self.available(listing)}],
            "item_package_weight": [{"value": str(weight), "unit": "kilograms"}] if weight else [],
            "material": [{"value": listing.material, "language_tag": tag}] if listing.material else [],
        }
        return {
            "sku": listing.reference,
            "operationType": "UPDATE",
            "productType": self.config.category_mapping.get(listing.category_path, ""),
            "requirements": "LISTING",
            "attributes": {name: value for name, value in attributes.items() if value},
        }

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
        for start in range(0, len(valid), FEED_MAX):
            for result in self.submit(
                [self.render(listing) for listing in valid[start : start + FEED_MAX]], valid[start : start + FEED_MAX]
            ):
                results[result.reference] = result
        return [results[listing.reference] for listing in batch]

    def submit(self, messages: list[dict], listings: list[ListingData]) -> list[PushResult]:
        """One feed for these messages; every listing `submitted` under `<feedId>/<messageId>`."""
        marketplace_id = self.marketplace[0]
        document = {
            "header": {"sellerId": self.seller_id, "version": "2.0", "issueLocale": "en_US"},
            "messages": [{"messageId": n, **message} for n, message in enumerate(messages, start=1)],
        }
        body = {"feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [marketplace_id], "feedDocument": document}
        try:
            answer = self.client.json(
                "POST",
                f"{FEEDS}/feeds",
                json=body,
                idempotency_key=digest([listing.idempotency_key for listing in listings]),
            )
        except ChannelError as exc:
            return [self.failed(listing.reference, exc) for listing in listings]
        feed_id = answer["feedId"]
        return [
            PushResult(reference=listing.reference, status="submitted", external_id=f"{feed_id}/{n}")
            for n, listing in enumerate(listings, start=1)
        ]

    @staticmethod
    def normalise(found: list[dict]) -> tuple[Issue, ...]:
        result = []
        for row in found:
            name = (row.get("attributeNames") or [""])[0]
            code = CODES.get(str(row.get("code")), "channel_rule")
            if code == "missing_attribute" and name == "item_name":
                code = "missing_locale"
            if code == "missing_attribute" and name == "main_product_image_locator":
                code = "image_count"
            severity = "warning" if row.get("severity") == "WARNING" else "error"
            result.append(issue(code, ATTRIBUTES.get(name, name), row.get("message", ""), severity))
        return tuple(result)

    def poll(self, results: list[PushResult]) -> list[PushResult]:
        """One status check per feed: DONE feeds resolve to live/rejected, others stay submitted."""
        feeds = {r.external_id.split("/")[0] for r in results if r.status == "submitted"}
        reports: dict[str, dict] = {}
        for feed_id in sorted(feeds):
            try:
                status = self.client.json("GET", f"{FEEDS}/feeds/{quote(feed_id, safe='')}")
                if status.get("processingStatus") == "DONE":
                    document_id = quote(status["resultFeedDocumentId"], safe="")
                    reports[feed_id] = self.client.json("GET", f"{FEEDS}/documents/{document_id}")
            except ChannelError:
                continue  # still submitted; the next poll asks again
        resolved = []
        for result in results:
            feed_id, _, message_id = result.external_id.partition("/")
            if result.status != "submitted" or feed_id not in reports:
                resolved.append(result)
                continue
            found = [i for i in reports[feed_id].get("issues", []) if str(i.get("messageId")) == message_id]
            issues = self.normalise(found)
            rejected = any(i.blocking for i in issues)
            resolved.append(
                PushResult(
                    reference=result.reference,
                    status="rejected" if rejected else "live",
                    external_id="" if rejected else result.reference,
                    issues=issues,
                )
            )
        return resolved

    def delist(self, refs: list[tuple[str, str]]) -> list[PushResult]:
        results = []
        for reference, external_id in refs:
            sku = external_id or reference
            path = f"listings/2021-08-01/items/{quote(self.seller_id, safe='')}/{quote(sku, safe='')}"
            call = partial(self.client.request, "DELETE", path, params={"marketplaceIds": self.marketplace[0]})
            results.append(self.delisted(reference, sku, call))
        return results

    def fetch_orders(self, since: datetime | None) -> list[ChannelOrder]:
        params = {"MarketplaceIds": self.marketplace[0]}
        if since:
            params["CreatedAfter"] = since.isoformat()
        body = self.client.json("GET", "orders/v0/orders", params=params)
        orders = []
        for o in (body.get("payload") or {}).get("Orders", []):
            items = self.client.json("GET", f"orders/v0/orders/{quote(o['AmazonOrderId'], safe='')}/orderItems")
            rows = (items.get("payload") or {}).get("OrderItems", [])
            orders.append(
                ChannelOrder(
                    external_id=o["AmazonOrderId"],
                    placed_at=parse_time(o["PurchaseDate"]),
                    currency=rows[0]["ItemPrice"]["CurrencyCode"] if rows else self.marketplace[3],
                    buyer_email=(o.get("BuyerInfo") or {}).get("BuyerEmail", ""),
                    shipping_address=o.get("ShippingAddress") or {},
                    lines=tuple(
                        ChannelOrderLine(
                            sku=i["SellerSKU"],
                            quantity=int(i["QuantityOrdered"]),
                            unit_price=Decimal(str(i["ItemPrice"]["Amount"])),
                        )
                        for i in rows
                    ),
                )
            )
        return orders

    def push_inventory(self, levels: list[InventoryLevel]) -> None:
        totals: dict[str, int] = {}
        for level in levels:
            totals[level.reference] = totals.get(level.reference, 0) + max(0, level.available)
        for sku, quantity in totals.items():
            payload = {
                "productType": "PRODUCT",
                "patches": [
                    {
                        "op": "replace",
                        "path": "/attributes/fulfillment_availability",
                        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}],
                    }
                ],
            }
            self.client.json(
                "PATCH",
                f"listings/2021-08-01/items/{quote(self.seller_id, safe='')}/{quote(sku, safe='')}",
                params={"marketplaceIds": self.marketplace[0]},
                json=payload,
                idempotency_key=digest([sku, payload]),
            )

    def push_tracking(self, shipment: TrackingUpdate) -> None:
        payload = {
            "marketplaceId": self.marketplace[0],
            "packageDetail": {
                "packageReferenceId": "1",
                "carrierCode": shipment.carrier,
                "trackingNumber": shipment.tracking_number,
                "shipDate": shipment.shipped_at.isoformat(),
            },
        }
        self.client.json(
            "POST",
            f"orders/v0/orders/{quote(shipment.external_order_id, safe='')}/shipmentConfirmation",
            json=payload,
            idempotency_key=f"track:{shipment.external_order_id}:{shipment.tracking_number}",
        )
