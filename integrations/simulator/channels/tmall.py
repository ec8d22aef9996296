"""Tmall: a signed method router, schema-driven publish, Chinese content, CNY."""

from __future__ import annotations

import hashlib
import json
import os
import re
from decimal import Decimal

from integrations.simulator.channels.common import ChannelStore, Reply, _decimal, _since

CJK = re.compile(r"[\u3400-\u9fff]")

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
