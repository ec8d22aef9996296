"""Amazon: JSON listings feeds, processed asynchronously."""

from __future__ import annotations

from decimal import Decimal

from integrations.simulator.channels.common import ChannelStore, Reply, _decimal, _now, _since

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
                        "ItemPrice": {"CurrencyCode": self.currency(x["sku"]), "Amount": x["unit_price"]},
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

    def currency(self, sku):
        """The listing's offer currency: each marketplace sells in its own (JPY on amazon-jp)."""
        listing = self.listing_by_sku(sku)
        return listing["data"]["attributes"]["purchasable_offer"][0]["currency"] if listing else "USD"

    def order_view(self, order):
        return {
            "AmazonOrderId": order["id"],
            "PurchaseDate": order["placed_at"],
            "OrderStatus": "Unshipped",
            "OrderTotal": {"CurrencyCode": "USD", "Amount": "0"},
            "BuyerInfo": {"BuyerEmail": order["buyer_email"]},
            "ShippingAddress": order["address"],
        }
