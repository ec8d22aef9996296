"""eBay: inventory item -> offer -> publish; bulk calls of at most 25."""

from __future__ import annotations

import re
from decimal import Decimal

from integrations.simulator.channels.common import ChannelStore, Reply, _decimal, _since


class Ebay(ChannelStore):
    id_prefix = "EB"
    BULK_MAX = 25
    TITLE_MAX = 80

    def __init__(self):
        super().__init__()
        self.items: dict[str, dict] = {}
        self.offers: dict[str, dict] = {}
        # (sku, marketplace) -> offer id: the duplicate check of a create, without a scan of every
        # offer (which made a full run to eBay slower per listing the larger the catalogue).
        self.offer_ids: dict[tuple[str, str], str] = {}

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
        existing = self.offer_ids.get((sku, marketplace))
        if existing:
            param = [{"name": "offerId", "value": existing}]
            return 400, {"errors": [self.error(25002, "Offer entity already exists.", parameters=param)]}
        offer_id = self.new_id("OF")
        self.offers[offer_id] = {**body, "offerId": offer_id, "status": "UNPUBLISHED"}
        self.offer_ids[sku, marketplace] = offer_id
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
