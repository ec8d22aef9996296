"""Kmall24: B2C mall in English, Chinese and Japanese."""

from __future__ import annotations

from decimal import Decimal

from integrations.simulator.channels.common import ChannelStore, Reply, _decimal, _since


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
