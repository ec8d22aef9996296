"""The five channels' APIs as the simulator speaks them, each validating with its own rules,
codes and messages, keeping listings per seller, generating orders and recording inventory and
tracking updates. Modelled on the real services' shapes; not copies of them."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass
class Reply:
    status: int
    body: object = None
    headers: dict = field(default_factory=dict)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None


def _since(value: str | None) -> str:
    return value or "1970-01-01T00:00:00+00:00"


class ChannelStore:
    """Listings, orders, inventory and tracking of one channel."""

    auth_header = "authorization"
    idempotency_header = "idempotency-key"
    id_prefix = "X"

    def __init__(self):
        self.listings: dict[tuple[str, str], dict] = {}  # (seller, sku) -> listing
        self.orders: list[dict] = []
        self.inventory: list[dict] = []
        self.tracking: list[dict] = []
        self._ids = itertools.count(1)

    def new_id(self, prefix: str | None = None) -> str:
        return f"{prefix or self.id_prefix}{next(self._ids):07d}"

    def route(self, method, segments, query, headers, body) -> Reply:
        if not headers.get(self.auth_header):
            return self.unauthorised()
        return self.dispatch(method, segments, query, headers, body if body is not None else {})

    def unauthorised(self) -> Reply:
        return Reply(401, {"error": "unauthorised"})

    def dispatch(self, method, segments, query, headers, body) -> Reply:
        raise NotImplementedError

    def upsert(self, seller: str, sku: str, data: dict, *, status: str = "live", external_id: str = "") -> dict:
        listing = self.listings.get((seller, sku))
        if listing is None:
            listing = {"seller": seller, "sku": sku, "id": external_id or self.new_id(), "creates": 1, "updates": 0}
            self.listings[seller, sku] = listing
        elif listing["status"] == "delisted":
            listing["creates"] += 1
        else:
            listing["updates"] += 1
        listing.update(status=status, data=data, updated_at=_now())
        return listing

    def by_id(self, external_id: str) -> dict | None:
        return next((row for row in self.listings.values() if row["id"] == external_id), None)

    def listing_rows(self) -> list[dict]:
        return [dict(row) for row in self.listings.values()]

    def unit_price(self, sku: str) -> str:
        return "10.00"

    def order_create(self, *, skus, quantities, buyer_email, address) -> dict:
        order = {
            "id": self.new_id("O"),
            "placed_at": _now(),
            "buyer_email": buyer_email,
            "address": address
            or {
                "name": "Sim Buyer",
                "line1": "1 Market St",
                "city": "Springfield",
                "postal_code": "12345",
                "country": "US",
            },
            "lines": [
                {"sku": s, "quantity": q, "unit_price": self.unit_price(s)}
                for s, q in zip(skus, quantities, strict=True)
            ],
        }
        self.orders.append(order)
        return self.order_view(order)

    def order_view(self, order: dict) -> dict:
        return order

    def listing_by_sku(self, sku: str) -> dict | None:
        return next((row for row in self.listings.values() if row["sku"] == sku), None)


# --- Kmall24: B2C mall in English, Chinese and Japanese -----------------------------------------


class Kmall24(ChannelStore):
    auth_header = "x-kmall-api-key"
    id_prefix = "KM"
    TITLE_MAX = 100
    PRICE_MIN, PRICE_MAX = Decimal("1.00"), Decimal("5000.00")

    def validate(self, body: dict) -> list[dict]:
        errors = []
        titles = body.get("title") or {}
        for lang in ("en", "zh", "ja"):
            text = titles.get(lang) or ""
            if not text.strip():
                errors.append(
                    {"code": "E1001", "field": f"title.{lang}", "message": f"Product title ({lang}) is mandatory."}
                )
            elif len(text) > self.TITLE_MAX:
                errors.append(
                    {
                        "code": "E1002",
                        "field": f"title.{lang}",
                        "message": f"Title ({lang}) exceeds {self.TITLE_MAX} chars.",
                    }
                )
        if len(body.get("images") or []) < 2:
            errors.append({"code": "E1003", "field": "images", "message": "At least 2 product images are required."})
        price = body.get("price") or {}
        if price.get("currency") != "USD":
            errors.append({"code": "E1006", "field": "price.currency", "message": "Sale price must be in USD."})
        amount = _decimal(price.get("amount"))
        if amount is None or not (self.PRICE_MIN <= amount <= self.PRICE_MAX):
            errors.append({"code": "E1004", "field": "price.amount", "message": "Sale price must be 1.00-5000.00 USD."})
        if not body.get("shipping_weight_g"):
            errors.append({"code": "E1005", "field": "shipping_weight_g", "message": "Shipping weight is mandatory."})
        return errors

    def unit_price(self, sku):
        listing = self.listing_by_sku(sku)
        return listing["data"]["price"]["amount"] if listing else "10.00"

    def dispatch(self, method, segments, query, headers, body):
        if segments[:2] != ["api", "v2"]:
            return Reply(404, {"result": "FAIL", "errors": [{"code": "E4040", "message": "No such API."}]})
        rest = segments[2:]
        if rest[:1] == ["products"] and len(rest) == 2:
            sku = rest[1]
            if method == "PUT":
                errors = self.validate(body)
                if errors:
                    return Reply(422, {"result": "FAIL", "errors": errors})
                listing = self.upsert("kmall24", sku, body, status="ON_SALE")
                return Reply(200, {"result": "OK", "product_id": listing["id"], "status": "ON_SALE"})
            listing = self.listings.get(("kmall24", sku))
            if listing is None:
                return Reply(404, {"result": "FAIL", "errors": [{"code": "E4041", "message": "Unknown seller SKU."}]})
            if method == "DELETE":
                listing["status"] = "delisted"
                return Reply(200, {"result": "OK", "product_id": listing["id"], "status": "DELETED"})
            return Reply(200, {"result": "OK", "product_id": listing["id"], "status": listing["status"]})
        if rest == ["orders"] and method == "GET":
            since = _since((query.get("from") or [""])[0])
            return Reply(
                200, {"result": "OK", "orders": [self.order_view(o) for o in self.orders if o["placed_at"] > since]}
            )
        if rest == ["inventory"] and method == "POST":
            items = body.get("items") or []
            if len(items) > 100:
                return Reply(422, {"result": "FAIL", "errors": [{"code": "E2001", "message": "At most 100 items."}]})
            self.inventory.extend({"sku": i.get("seller_sku"), "quantity": i.get("quantity")} for i in items)
            return Reply(200, {"result": "OK", "updated": len(items)})
        if len(rest) == 3 and rest[0] == "orders" and rest[2] == "shipments" and method == "POST":
            self.tracking.append({"order": rest[1], **body})
            return Reply(200, {"result": "OK"})
        return Reply(404, {"result": "FAIL", "errors": [{"code": "E4040", "message": "No such API."}]})

    def order_view(self, order):
        return {
            "order_no": order["id"],
            "ordered_at": order["placed_at"],
            "currency": "USD",
            "buyer": {"email": order["buyer_email"]},
            "ship_to": order["address"],
            "items": [
                {"seller_sku": x["sku"], "qty": x["quantity"], "unit_price": x["unit_price"]} for x in order["lines"]
            ],
        }


# --- buyKOREA: B2B offers, at most 50 per seller account -----------------------------------------


class BuyKorea(ChannelStore):
    idempotency_header = "x-client-reference"
    id_prefix = "BK"
    SELLER_LIMIT = 50

    def validate(self, body: dict) -> list[dict]:
        errors = []

        def err(code, name, msg):
            errors.append({"errorCode": code, "fieldName": name, "errorMsg": msg})

        name = body.get("productNameEn") or ""
        if not name.strip():
            err("BK-101", "productNameEn", "English product name is required.")
        elif len(name) > 200:
            err("BK-102", "productNameEn", "Product name must be 200 characters or fewer.")
        moq = body.get("minOrderQty")
        if not isinstance(moq, int) or moq < 1:
            err("BK-103", "minOrderQty", "Minimum order quantity is required.")
        tiers = body.get("fobPrices") or []
        if not tiers:
            err("BK-104", "fobPrices", "At least one FOB price is required.")
        for tier in tiers:
            price = _decimal(tier.get("unitPrice"))
            if price is None or not (Decimal("0.01") <= price <= Decimal("1000000")):
                err("BK-109", "fobPrices.unitPrice", "FOB unit price must be between 0.01 and 1,000,000 USD.")
                break
        if not re.fullmatch(r"\d{6,10}", body.get("hsCode") or ""):
            err("BK-105", "hsCode", "HS code (6-10 digits) is required.")
        if not body.get("leadTimeDays"):
            err("BK-106", "leadTimeDays", "Lead time is required.")
        company = body.get("company") or {}
        if not company.get("companyName") or not company.get("country"):
            err("BK-107", "company", "Company profile (name and country) is required.")
        if not body.get("images"):
            err("BK-108", "images", "At least one product image is required.")
        return errors

    def unit_price(self, sku):
        listing = self.listing_by_sku(sku)
        return listing["data"]["fobPrices"][0]["unitPrice"] if listing else "10.00"

    def active_count(self, seller: str) -> int:
        return sum(1 for (s, _), row in self.listings.items() if s == seller and row["status"] != "delisted")

    def dispatch(self, method, segments, query, headers, body):
        fail = Reply(404, {"resultCode": "NOT_FOUND", "errorMsg": "No such resource."})
        if segments[:2] != ["openapi", "v1"]:
            return fail
        rest = segments[2:]
        if len(rest) >= 3 and rest[0] == "sellers" and rest[2] == "products":
            seller = rest[1]
            if len(rest) == 3 and method == "POST":
                ref = body.get("productRef") or ""
                existing = self.listings.get((seller, ref))
                if existing and existing["status"] != "delisted":
                    return Reply(
                        409,
                        {
                            "resultCode": "DUPLICATE_REFERENCE",
                            "productNo": existing["id"],
                            "errorMsg": "Reference exists.",
                        },
                    )
                errors = self.validate(body)
                if errors:
                    return Reply(400, {"resultCode": "FAIL", "errors": errors})
                if self.active_count(seller) >= self.SELLER_LIMIT:
                    return Reply(
                        403,
                        {
                            "resultCode": "SELLER_LIMIT_EXCEEDED",
                            "errorMsg": f"A seller account may register at most {self.SELLER_LIMIT} products.",
                        },
                    )
                listing = self.upsert(seller, ref, body, status="DISPLAY")
                return Reply(201, {"resultCode": "SUCCESS", "productNo": listing["id"], "displayStatus": "DISPLAY"})
        if len(rest) >= 2 and rest[0] == "products":
            listing = self.by_id(rest[1])
            if listing is None:
                return fail
            if len(rest) == 2 and method == "PUT":
                errors = self.validate(body)
                if errors:
                    return Reply(400, {"resultCode": "FAIL", "errors": errors})
                self.upsert(listing["seller"], listing["sku"], body, status="DISPLAY")
                return Reply(200, {"resultCode": "SUCCESS", "productNo": listing["id"], "displayStatus": "DISPLAY"})
            if len(rest) == 2 and method == "DELETE":
                listing["status"] = "delisted"
                return Reply(200, {"resultCode": "SUCCESS", "productNo": listing["id"]})
            if len(rest) == 3 and rest[2] == "stock" and method == "PUT":
                self.inventory.append({"sku": listing["sku"], "quantity": body.get("availableQty")})
                return Reply(200, {"resultCode": "SUCCESS"})
        if rest == ["orders"] and method == "GET":
            since = _since((query.get("fromDate") or [""])[0])
            orders = [self.order_view(o) for o in self.orders if o["placed_at"] > since]
            return Reply(200, {"resultCode": "SUCCESS", "orders": orders})
        if len(rest) == 3 and rest[0] == "orders" and rest[2] == "shipping" and method == "POST":
            self.tracking.append({"order": rest[1], **body})
            return Reply(200, {"resultCode": "SUCCESS"})
        return fail

    def order_view(self, order):
        return {
            "orderNo": order["id"],
            "orderDate": order["placed_at"],
            "currency": "USD",
            "buyer": {"companyName": "Sim Trading Co.", "email": order["buyer_email"]},
            "deliveryAddress": order["address"],
            "items": [
                {"productRef": x["sku"], "quantity": x["quantity"], "unitPrice": x["unit_price"]}
                for x in order["lines"]
            ],
        }


# --- Amazon: JSON listings feeds, processed asynchronously ---------------------------------------

AMAZON_LANGUAGE = {"ATVPDKIKX0DER": "en_US", "A1VC38T7YXB528": "ja_JP", "A1PA6795UKMFR9": "de_DE"}
AMAZON_PRODUCT_TYPES = {"PRODUCT", "HOME", "KITCHEN", "BEAUTY", "HOME_BED_AND_BATH", "APPAREL", "FOOD"}
AMAZON_REQUIRED = ("item_name", "brand", "country_of_origin", "purchasable_offer", "main_product_image_locator")


class Amazon(ChannelStore):
    auth_header = "x-amz-access-token"
    id_prefix = "AMZ"

    def __init__(self):
        super().__init__()
        self.feeds: dict[str, dict] = {}
        self.documents: dict[str, dict] = {}

    def message_issues(self, message: dict, marketplace: str) -> list[dict]:
        issues = []

        def issue(code, severity, message_text, names):
            issues.append(
                {
                    "messageId": message.get("messageId"),
                    "code": code,
                    "severity": severity,
                    "message": message_text,
                    "attributeNames": names,
                }
            )

        if message.get("productType") not in AMAZON_PRODUCT_TYPES:
            issue("8105", "ERROR", f"The product type '{message.get('productType')}' is invalid.", ["productType"])
        attributes = message.get("attributes") or {}
        for name in AMAZON_REQUIRED:
            if not attributes.get(name):
                issue("90220", "ERROR", f"'{name}' is required but not supplied.", [name])
        language = AMAZON_LANGUAGE.get(marketplace, "en_US")
        for name in ("item_name", "product_description", "bullet_point"):
            for value in attributes.get(name) or []:
                if value.get("language_tag") != language:
                    issue(
                        "99010",
                        "ERROR",
                        f"'{name}' has language tag '{value.get('language_tag')}'; {marketplace} needs '{language}'.",
                        [name],
                    )
                elif name == "item_name" and len(value.get("value") or "") > 200:
                    issue("8560", "ERROR", "'item_name' must be 200 characters or fewer.", [name])
        for offer in attributes.get("purchasable_offer") or []:
            for price in offer.get("our_price") or []:
                for schedule in price.get("schedule") or []:
                    amount = _decimal(schedule.get("value_with_tax"))
                    if amount is None or not (Decimal("0.01") <= amount <= Decimal("100000")):
                        issue("90244", "ERROR", "The price is outside the allowed range.", ["purchasable_offer"])
        if not attributes.get("bullet_point"):
            issue("99022", "WARNING", "'bullet_point' is recommended for discoverability.", ["bullet_point"])
        return issues

    def process(self, feed: dict) -> None:
        document = feed["document"]
        marketplace = (feed.get("marketplaceIds") or ["ATVPDKIKX0DER"])[0]
        seller = (document.get("header") or {}).get("sellerId", "")
        issues, accepted, invalid = [], 0, 0
        for message in document.get("messages") or []:
            found = self.message_issues(message, marketplace)
            issues.extend(found)
            if any(i["severity"] == "ERROR" for i in found):
                invalid += 1
                continue
            accepted += 1
            self.upsert(seller, message.get("sku", ""), message, status="BUYABLE", external_id=message.get("sku", ""))
        result_id = self.new_id("DOC")
        self.documents[result_id] = {
            "header": {"sellerId": seller, "version": "2.0", "feedId": feed["feedId"]},
            "issues": issues,
            "summary": {
                "errors": sum(1 for i in issues if i["severity"] == "ERROR"),
                "warnings": sum(1 for i in issues if i["severity"] == "WARNING"),
                "messagesProcessed": accepted + invalid,
                "messagesAccepted": accepted,
                "messagesInvalid": invalid,
            },
        }
        feed["resultFeedDocumentId"] = result_id

    def dispatch(self, method, segments, query, headers, body):
        missing = Reply(404, {"errors": [{"code": "NotFound", "message": "Resource not found."}]})
        if segments[:3] == ["feeds", "2021-06-30", "feeds"]:
            if len(segments) == 3 and method == "POST":
                if body.get("feedType") != "JSON_LISTINGS_FEED" or not isinstance(body.get("feedDocument"), dict):
                    return Reply(
                        400, {"errors": [{"code": "InvalidInput", "message": "feedType and feedDocument required."}]}
                    )
                feed_id = self.new_id("FEED")
                self.feeds[feed_id] = {
                    "feedId": feed_id,
                    "marketplaceIds": body.get("marketplaceIds") or [],
                    "document": body["feedDocument"],
                    "polls": 0,
                    "createdTime": _now(),
                }
                return Reply(202, {"feedId": feed_id})
            if len(segments) == 4 and method == "GET":
                feed = self.feeds.get(segments[3])
                if feed is None:
                    return missing
                feed["polls"] += 1
                status = ("IN_QUEUE", "IN_PROGRESS", "DONE")[min(2, feed["polls"] - 1)]
                if status == "DONE" and "resultFeedDocumentId" not in feed:
                    self.process(feed)
                view = {"feedId": feed["feedId"], "feedType": "JSON_LISTINGS_FEED", "processingStatus": status}
                if status == "DONE":
                    view["resultFeedDocumentId"] = feed["resultFeedDocumentId"]
                return Reply(200, view)
        if segments[:3] == ["feeds", "2021-06-30", "documents"] and len(segments) == 4 and method == "GET":
            document = self.documents.get(segments[3])
            return Reply(200, document) if document else missing
        if segments[:3] == ["listings", "2021-08-01", "items"] and len(segments) == 5:
            seller, sku = segments[3], segments[4]
            listing = self.listings.get((seller, sku))
            if listing is None:
                return missing
            if method == "DELETE":
                listing["status"] = "delisted"
                return Reply(200, {"sku": sku, "status": "ACCEPTED", "submissionId": self.new_id("SUB"), "issues": []})
            if method == "PATCH":
                for patch in body.get("patches") or []:
                    if patch.get("path") == "/attributes/fulfillment_availability":
                        for value in patch.get("value") or []:
                            self.inventory.append({"sku": sku, "quantity": value.get("quantity")})
                return Reply(200, {"sku": sku, "status": "ACCEPTED", "submissionId": self.new_id("SUB"), "issues": []})
        if segments[:3] == ["orders", "v0", "orders"]:
            if len(segments) == 3 and method == "GET":
                since = _since((query.get("CreatedAfter") or [""])[0])
                orders = [self.order_view(o) for o in self.orders if o["placed_at"] > since]
                return Reply(200, {"payload": {"Orders": orders}})
            order = next((o for o in self.orders if len(segments) > 3 and o["id"] == segments[3]), None)
            if order is None:
                return missing
            if segments[4:] == ["orderItems"] and method == "GET":
                items = [
                    {
                        "SellerSKU": x["sku"],
                        "QuantityOrdered": x["quantity"],
                        "ItemPrice": {"CurrencyCode": "USD", "Amount": x["unit_price"]},
                    }
                    for x in order["lines"]
                ]
                return Reply(200, {"payload": {"AmazonOrderId": order["id"], "OrderItems": items}})
            if segments[4:] == ["shipmentConfirmation"] and method == "POST":
                self.tracking.append({"order": order["id"], **body})
                return Reply(204)
        return missing

    def unit_price(self, sku):
        listing = self.listing_by_sku(sku)
        if not listing:
            return "10.00"
        offer = listing["data"]["attributes"]["purchasable_offer"][0]
        return offer["our_price"][0]["schedule"][0]["value_with_tax"]

    def order_view(self, order):
        return {
            "AmazonOrderId": order["id"],
            "PurchaseDate": order["placed_at"],
            "OrderStatus": "Unshipped",
            "OrderTotal": {"CurrencyCode": "USD", "Amount": "0"},
            "BuyerInfo": {"BuyerEmail": order["buyer_email"]},
            "ShippingAddress": order["address"],
        }


# --- eBay: inventory item -> offer -> publish; bulk calls of at most 25 --------------------------


class Ebay(ChannelStore):
    id_prefix = "EB"
    BULK_MAX = 25
    TITLE_MAX = 80

    def __init__(self):
        super().__init__()
        self.items: dict[str, dict] = {}
        self.offers: dict[str, dict] = {}

    @staticmethod
    def error(error_id: int, message: str, *, parameters=None) -> dict:
        return {
            "errorId": error_id,
            "domain": "API_INVENTORY",
            "category": "REQUEST",
            "message": message,
            "parameters": parameters or [],
        }

    def publish_errors(self, offer: dict) -> list[dict]:
        item = self.items.get(offer["sku"])
        errors = []
        if item is None:
            return [self.error(25702, "No inventory item exists for this SKU.", parameters=[{"name": "sku"}])]
        product = item.get("product") or {}
        title = product.get("title") or ""
        if not title:
            errors.append(self.error(25002, "The title is missing.", parameters=[{"name": "title"}]))
        elif len(title) > self.TITLE_MAX:
            errors.append(self.error(25021, "The title may not exceed 80 characters.", parameters=[{"name": "title"}]))
        if not product.get("imageUrls"):
            errors.append(self.error(25015, "At least one picture is required.", parameters=[{"name": "imageUrls"}]))
        if not (product.get("aspects") or {}).get("Brand"):
            errors.append(
                self.error(25014, "The item specific Brand is missing.", parameters=[{"name": "aspects.Brand"}])
            )
        weight = ((item.get("packageWeightAndSize") or {}).get("weight") or {}).get("value")
        if not weight:
            errors.append(self.error(25016, "Package weight is required for calculated shipping.", parameters=[]))
        if not offer.get("categoryId"):
            errors.append(self.error(25004, "Invalid or missing category ID.", parameters=[{"name": "categoryId"}]))
        price = _decimal(((offer.get("pricingSummary") or {}).get("price") or {}).get("value"))
        if price is None or not (Decimal("0.99") <= price <= Decimal("99999")):
            errors.append(self.error(25019, "The price is out of range.", parameters=[{"name": "price"}]))
        policies = offer.get("listingPolicies") or {}
        for name in ("fulfillmentPolicyId", "paymentPolicyId", "returnPolicyId"):
            if not policies.get(name):
                errors.append(self.error(25007, f"{name} is required.", parameters=[{"name": name}]))
        return errors

    def item_put(self, sku: str, body: dict) -> None:
        self.items[sku] = body

    def offer_create(self, body: dict) -> tuple[int, dict]:
        sku, marketplace = body.get("sku"), body.get("marketplaceId")
        if not sku or not marketplace:
            return 400, {"errors": [self.error(25709, "sku and marketplaceId are required.")]}
        existing = next(
            (o for o in self.offers.values() if o["sku"] == sku and o["marketplaceId"] == marketplace), None
        )
        if existing:
            param = [{"name": "offerId", "value": existing["offerId"]}]
            return 400, {"errors": [self.error(25002, "Offer entity already exists.", parameters=param)]}
        offer_id = self.new_id("OF")
        self.offers[offer_id] = {**body, "offerId": offer_id, "status": "UNPUBLISHED"}
        return 201, {"offerId": offer_id}

    def offer_publish(self, offer_id: str) -> tuple[int, dict]:
        offer = self.offers.get(offer_id)
        if offer is None:
            return 404, {"errors": [self.error(25713, "This Offer is not available.")]}
        errors = self.publish_errors(offer)
        if errors:
            return 400, {"errors": errors}
        if offer["status"] != "PUBLISHED":
            offer["status"] = "PUBLISHED"
            offer["listingId"] = self.new_id("11")
        self.upsert(
            "ebay", offer["sku"], {"item": self.items[offer["sku"]], "offer": dict(offer)}, external_id=offer_id
        )
        return 200, {"listingId": offer["listingId"], "warnings": []}

    def dispatch(self, method, segments, query, headers, body):
        missing = Reply(404, {"errors": [self.error(2004, "Resource not found.")]})
        if segments[:3] == ["sell", "inventory", "v1"]:
            rest = segments[3:]
            if rest[:1] and rest[0].startswith("bulk_") and method == "POST":
                requests = body.get("requests") or []
                if not requests or len(requests) > self.BULK_MAX:
                    return Reply(400, {"errors": [self.error(25008, "A bulk call takes 1 to 25 requests.")]})
                responses = []
                for req in requests:
                    if rest[0] == "bulk_create_or_replace_inventory_item":
                        self.item_put(req.get("sku", ""), req)
                        responses.append({"statusCode": 200, "sku": req.get("sku")})
                    elif rest[0] == "bulk_create_offer":
                        status, reply = self.offer_create(req)
                        responses.append({"statusCode": status, "sku": req.get("sku"), **reply})
                    elif rest[0] == "bulk_publish_offer":
                        status, reply = self.offer_publish(req.get("offerId", ""))
                        responses.append({"statusCode": status, "offerId": req.get("offerId"), **reply})
                    elif rest[0] == "bulk_update_price_quantity":
                        quantity = (req.get("shipToLocationAvailability") or {}).get("quantity")
                        self.inventory.append({"sku": req.get("sku"), "quantity": quantity})
                        responses.append({"statusCode": 200, "sku": req.get("sku")})
                    else:
                        return missing
                return Reply(207 if any(r["statusCode"] >= 400 for r in responses) else 200, {"responses": responses})
            if rest[:1] == ["inventory_item"] and len(rest) == 2 and method == "PUT":
                self.item_put(rest[1], body)
                return Reply(204)
            if rest == ["offer"] and method == "POST":
                status, reply = self.offer_create(body)
                return Reply(status, reply)
            if rest[:1] == ["offer"] and len(rest) >= 2:
                offer = self.offers.get(rest[1])
                if offer is None:
                    return missing
                if len(rest) == 2 and method == "PUT":
                    offer.update({k: v for k, v in body.items() if k not in ("offerId", "status", "listingId")})
                    return Reply(204)
                if rest[2:] == ["publish"] and method == "POST":
                    status, reply = self.offer_publish(rest[1])
                    return Reply(status, reply)
                if rest[2:] == ["withdraw"] and method == "POST":
                    offer["status"] = "UNPUBLISHED"
                    listing = self.listings.get(("ebay", offer["sku"]))
                    if listing:
                        listing["status"] = "delisted"
                    return Reply(200, {"listingId": offer.get("listingId", "")})
        if segments[:4] == ["sell", "fulfillment", "v1", "order"]:
            if len(segments) == 4 and method == "GET":
                match = re.search(r"creationdate:\[([^.\]]*)\.\.", (query.get("filter") or [""])[0])
                since = _since(match.group(1) if match else "")
                orders = [self.order_view(o) for o in self.orders if o["placed_at"] > since]
                return Reply(200, {"orders": orders, "total": len(orders)})
            if len(segments) == 6 and segments[5] == "shipping_fulfillment" and method == "POST":
                self.tracking.append({"order": segments[4], **body})
                return Reply(201, {}, {"Location": f"/sell/fulfillment/v1/order/{segments[4]}/shipping_fulfillment/1"})
        return missing

    def unit_price(self, sku):
        offer = next((o for o in self.offers.values() if o["sku"] == sku), None)
        return offer["pricingSummary"]["price"]["value"] if offer else "10.00"

    def order_view(self, order):
        return {
            "orderId": order["id"],
            "creationDate": order["placed_at"],
            "buyer": {"username": "sim_buyer", "buyerRegistrationAddress": {"email": order["buyer_email"]}},
            "fulfillmentStartInstructions": [{"shippingStep": {"shipTo": order["address"]}}],
            "lineItems": [
                {
                    "sku": x["sku"],
                    "quantity": x["quantity"],
                    "lineItemCost": {"value": x["unit_price"], "currency": "USD"},
                }
                for x in order["lines"]
            ],
        }


# --- Tmall: a signed method router, schema-driven publish, Chinese content, CNY ------------------

TMALL_SCHEMAS = {
    "50008163": ["title", "price", "desc", "images", "origin", "material"],  # ceramics and tableware
    "50010788": ["title", "price", "desc", "images", "origin", "shelf_life_days"],  # skincare
    "50012100": ["title", "price", "desc", "images", "origin"],  # general merchandise
}
TMALL_FIELD_RULES = {
    "title": {"type": "input", "maxLength": 60, "lang": "zh"},
    "price": {"type": "input", "currency": "CNY", "min": "1", "max": "1000000"},
    "desc": {"type": "input", "lang": "zh"},
    "images": {"type": "multiInput", "minItems": 1, "maxItems": 5},
    "origin": {"type": "singleCheck"},
    "material": {"type": "input"},
    "shelf_life_days": {"type": "input"},
}


def tmall_sign(params: dict, secret: str) -> str:
    """Tmall's md5 signature: secret + sorted key/value pairs + secret, upper-case hex."""
    text = "".join(
        f"{key}{value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)}"
        for key, value in sorted(params.items())
        if key != "sign"
    )
    return hashlib.md5(f"{secret}{text}{secret}".encode(), usedforsecurity=False).hexdigest().upper()


class Tmall(ChannelStore):
    auth_header = ""  # no header: the app key travels in the signed body (see `route`)
    id_prefix = "6"

    def error(self, sub_code: str, sub_msg: str, **extra) -> Reply:
        return Reply(
            200,
            {
                "error_response": {
                    "code": 15,
                    "msg": "Remote service error",
                    "sub_code": sub_code,
                    "sub_msg": sub_msg,
                    **extra,
                }
            },
        )

    def fields_errors(self, category: str, fields: dict) -> Reply | None:
        for name in TMALL_SCHEMAS[category]:
            value = fields.get(name)
            if value in (None, "", []):
                return self.error(
                    f"isv.missing-parameter:{name}", f"缺少必填字段 {name} (required field {name} missing)"
                )
        if not CJK.search(fields["title"]) or len(fields["title"]) > 60:
            return self.error("isv.invalid-parameter:title", "标题必须为中文且不超过60个字 (Chinese title, at most 60)")
        if not CJK.search(fields["desc"]):
            return self.error("isv.invalid-parameter:desc", "描述必须为中文 (description must be Chinese)")
        price = _decimal(fields.get("price"))
        if price is None or not (Decimal(1) <= price <= Decimal(1000000)):
            return self.error("isv.invalid-parameter:price", "价格超出范围 (price in CNY out of range)")
        if not (1 <= len(fields["images"]) <= 5):
            return self.error("isv.invalid-parameter:images", "图片数量为1到5张 (1 to 5 images)")
        return None

    def route(self, method, segments, query, headers, body):
        if segments != ["router", "rest"] or method != "POST" or not isinstance(body, dict):
            return Reply(404, {"error_response": {"code": 22, "msg": "Invalid method"}})
        secret = os.environ.get("CHANNEL_TMALL_APP_SECRET", "sim-tmall-secret")
        if not body.get("app_key"):
            return Reply(200, {"error_response": {"code": 29, "msg": "Invalid app Key"}})
        if body.get("sign") != tmall_sign(body, secret):
            return Reply(200, {"error_response": {"code": 25, "msg": "Invalid signature"}})
        return self.call(body.get("method", ""), body)

    def call(self, name: str, params: dict) -> Reply:
        seller = params.get("app_key", "")
        key = name.replace(".", "_").removeprefix("tmall_").removeprefix("taobao_") + "_response"
        if name == "tmall.item.schema.get":
            category = str(params.get("category_id", ""))
            if category not in TMALL_SCHEMAS:
                return self.error("isv.category-not-exist", f"类目不存在 (category {category} does not exist)")
            fields = [{"id": f, "required": True, **TMALL_FIELD_RULES[f]} for f in TMALL_SCHEMAS[category]]
            return Reply(200, {key: {"category_id": category, "fields": fields}})
        if name in ("tmall.item.schema.add", "tmall.item.schema.update"):
            category = str(params.get("category_id", ""))
            if category not in TMALL_SCHEMAS:
                return self.error("isv.category-not-exist", f"类目不存在 (category {category} does not exist)")
            fields = params.get("fields") or {}
            outer_id = params.get("outer_id", "")
            existing = self.listings.get((seller, outer_id))
            if name.endswith(".add") and existing and existing["status"] != "delisted":
                return self.error("isv.item-duplicate", "商家编码已存在 (outer_id exists)", item_id=existing["id"])
            if name.endswith(".update") and (not existing or existing["id"] != str(params.get("item_id"))):
                return self.error("isv.item-not-exist", "宝贝不存在 (item does not exist)")
            problem = self.fields_errors(category, fields)
            if problem:
                return problem
            listing = self.upsert(seller, outer_id, {"category_id": category, **fields}, status="onsale")
            return Reply(200, {key: {"item_id": listing["id"], "outer_id": outer_id}})
        if name == "taobao.item.update.delisting":
            listing = self.by_id(str(params.get("num_iid", "")))
            if listing is None:
                return self.error("isv.item-not-exist", "宝贝不存在 (item does not exist)")
            listing["status"] = "delisted"
            return Reply(200, {key: {"item": {"num_iid": listing["id"]}}})
        if name == "taobao.item.quantity.update":
            listing = self.by_id(str(params.get("num_iid", "")))
            if listing is None:
                return self.error("isv.item-not-exist", "宝贝不存在 (item does not exist)")
            self.inventory.append({"sku": listing["sku"], "quantity": params.get("quantity")})
            return Reply(200, {key: {"item": {"num_iid": listing["id"], "num": params.get("quantity")}}})
        if name == "taobao.trades.sold.increment.get":
            since = _since(params.get("start_modified"))
            trades = [self.order_view(o) for o in self.orders if o["placed_at"] > since]
            return Reply(200, {key: {"total_results": len(trades), "trades": {"trade": trades}}})
        if name == "taobao.logistics.offline.send":
            self.tracking.append(
                {"order": params.get("tid"), **{k: params.get(k) for k in ("out_sid", "company_code")}}
            )
            return Reply(200, {key: {"shipping": {"is_success": True}}})
        return Reply(200, {"error_response": {"code": 22, "msg": f"Invalid method {name}"}})

    def unit_price(self, sku):
        listing = self.listing_by_sku(sku)
        return str(listing["data"]["price"]) if listing else "72.00"

    def order_view(self, order):
        return {
            "tid": order["id"],
            "created": order["placed_at"],
            "buyer_email": order["buyer_email"],
            "receiver_address": order["address"],
            "currency": "CNY",
            "orders": {
                "order": [
                    {"outer_iid": x["sku"], "num": x["quantity"], "price": x["unit_price"]} for x in order["lines"]
                ]
            },
        }


CHANNELS = {"kmall24": Kmall24, "buykorea": BuyKorea, "amazon": Amazon, "ebay": Ebay, "tmall": Tmall}
