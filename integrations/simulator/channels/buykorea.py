"""buyKOREA: B2B offers, at most 50 per seller account."""

from __future__ import annotations

import re
from decimal import Decimal

from integrations.simulator.channels.common import ChannelStore, Reply, _decimal, _since


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
