"""Tmall: a signed method router, Chinese content, prices in CNY, a category mapping and a
schema-driven publish.

Every call is `POST /router/rest` with the method name, the app key, a timestamp and an md5
signature over the sorted parameters; errors come back with HTTP 200 as `error_response` with a
`sub_code`. An item needs a Tmall category (from the channel's category mapping); its required
fields come from the category's schema (`tmall.item.schema.get`, kept per process and in the cache for a day,
loaded by `prepare` or the first push), and the item is added with `tmall.item.schema.add` keyed by `outer_id` (our
reference); a known `outer_id` answers `isv.item-duplicate` and is updated instead.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from datetime import UTC, datetime
from decimal import Decimal

from django.core.cache import cache

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

CJK = re.compile(r"[\u3400-\u9fff]")
TITLE_MAX = 60
MAX_IMAGES = 5
PRICE_MIN, PRICE_MAX = Decimal(1), Decimal(1_000_000)
STANDARD_FIELDS = ("title", "price", "desc", "images", "origin")
SCHEMA_CACHE_SECONDS = 24 * 3600

_schemas: dict[tuple[str, str], list[dict]] = {}  # (base URL, category id) -> required fields
_schemas_lock = threading.Lock()


def schemas_forget() -> None:
    """Drop the schemas this process holds (the cache's copies expire on their own)."""
    with _schemas_lock:
        _schemas.clear()


def sign(params: dict, secret: str) -> str:
    """md5(secret + sorted key/value pairs + secret), upper-case hex, as Tmall's open platform signs."""
    text = "".join(
        f"{key}{value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)}"
        for key, value in sorted(params.items())
        if key != "sign"
    )
    return hashlib.md5(f"{secret}{text}{secret}".encode(), usedforsecurity=False).hexdigest().upper()


class TmallCallFailed(Exception):
    def __init__(self, error: dict):
        super().__init__(error.get("sub_msg") or error.get("msg", ""))
        self.error = error


class TmallConnector(ChannelConnector):
    code = "tmall"
    RULES = {
        "kind": "b2c",
        "locales_required": ["zh-hans"],
        "currency": "CNY",
        "title_max_length": TITLE_MAX,
        "min_images": 1,
        "max_images": MAX_IMAGES,
        "price_range": [str(PRICE_MIN), str(PRICE_MAX)],
        "category_mapping_required": True,
        "schema_driven": "required fields per Tmall category (tmall.item.schema.get)",
        "max_batch": 1,
    }

    # --- the signed router ----------------------------------------------------------------------

    def call(self, method: str, params: dict, *, idempotency_key: str | None = None) -> dict:
        """The method's response object; TmallCallFailed with the error_response on a refusal."""
        body = {
            "method": method,
            "app_key": self.config.credentials.get("app_key", ""),
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "format": "json",
            "v": "2.0",
            "sign_method": "md5",
            **params,
        }
        body["sign"] = sign(body, self.config.credentials.get("app_secret", ""))
        answer = self.client.json("POST", "router/rest", json=body, idempotency_key=idempotency_key)
        if "error_response" in answer:
            raise TmallCallFailed(answer["error_response"])
        key = method.replace(".", "_").removeprefix("tmall_").removeprefix("taobao_") + "_response"
        return answer.get(key, {})

    def schema(self, category_id: str) -> list[dict]:
        fields = self.cached_schema(category_id)
        if fields is None:
            fields = self.call("tmall.item.schema.get", {"category_id": category_id})["fields"]
            with _schemas_lock:
                _schemas[self.client.base_url, category_id] = fields
            # Shared through the cache so readiness in web processes sees what workers fetched.
            cache.set(self._cache_key(category_id), fields, SCHEMA_CACHE_SECONDS)
        return fields

    def _cache_key(self, category_id: str) -> str:
        return f"tmall-schema:{digest(self.client.base_url)}:{category_id}"

    def cached_schema(self, category_id: str) -> list[dict] | None:
        with _schemas_lock:
            fields = _schemas.get((self.client.base_url, category_id))
        if fields is None:
            fields = cache.get(self._cache_key(category_id))
            if fields is not None:
                with _schemas_lock:
                    _schemas[self.client.base_url, category_id] = fields
        return fields

    def prepare(self, batch: list[ListingData]) -> None:
        """Load the schemas of the batch's mapped categories, so `validate` checks their fields too."""
        for category_id in sorted({self.category(listing) for listing in batch} - {""}):
            try:
                self.schema(category_id)
            except TmallCallFailed:
                continue  # an unknown category: validate says so through the push's answer

    def category(self, listing: ListingData) -> str:
        return str(self.config.category_mapping.get(listing.category_path, ""))

    def known_schema(self, listing: ListingData) -> list[dict] | None:
        return self.cached_schema(self.category(listing)) if self.category(listing) else None

    # --- rules, payload -------------------------------------------------------------------------

    def field_value(self, listing: ListingData, name: str):
        if name == "material":
            return listing.material or listing.attributes.get("material", "")
        return listing.attributes.get(name, "")

    def validate(self, listing: ListingData) -> list[Issue]:
        issues = []
        if listing.mode == "b2b":
            issues.append(issue("mode_unsupported", "mode", "Tmall sells to consumers; the product is B2B only."))
        title = listing.titles.get("zh-hans", "")
        if not title.strip() or not CJK.search(title):
            issues.append(issue("missing_locale", "titles.zh-hans", "缺少中文标题 (a Chinese title is required)"))
        elif len(title) > TITLE_MAX:
            issues.append(issue("title_too_long", "titles.zh-hans", "标题不超过60个字 (title at most 60 characters)"))
        description = listing.descriptions.get("zh-hans", "")
        if not description.strip() or not CJK.search(description):
            issues.append(
                issue("missing_locale", "descriptions.zh-hans", "描述必须为中文 (description must be Chinese)")
            )
        price = self.price_in(listing, "CNY")
        if price is None:
            issues.append(issue("missing_price", "retail_price", "缺少价格 (a price is required)"))
        elif not PRICE_MIN <= price <= PRICE_MAX:
            issues.append(issue("price_out_of_range", "retail_price", "价格超出范围 (price in CNY out of range)"))
        if not 1 <= len(listing.image_urls) <= MAX_IMAGES:
            issues.append(issue("image_count", "image_urls", "图片数量为1到5张 (1 to 5 images)"))
        if not listing.origin_country:
            issues.append(issue("missing_attribute", "origin_country", "缺少产地 (origin is required)"))
        if not self.category(listing):
            issues.append(
                issue(
                    "category_unmapped", "category_path", f"No Tmall category is mapped for '{listing.category_path}'."
                )
            )
        for field in self.known_schema(listing) or []:
            name = field["id"]
            if name not in STANDARD_FIELDS and field.get("required") and not self.field_value(listing, name):
                issues.append(issue("missing_attribute", f"attributes.{name}", f"缺少必填字段 {name} (required)"))
        return issues

    def render(self, listing: ListingData) -> dict:
        price = self.price_in(listing, "CNY")
        fields = {
            "title": listing.titles.get("zh-hans", ""),
            "desc": listing.descriptions.get("zh-hans", ""),
            "price": str(price) if price is not None else "",
            "images": list(listing.image_urls[:MAX_IMAGES]),
            "origin": listing.origin_country,
            "quantity": self.available(listing),
            "brand": listing.brand or "",
        }
        for field in self.known_schema(listing) or []:
            if field["id"] not in fields:
                fields[field["id"]] = self.field_value(listing, field["id"])
        return {"category_id": self.category(listing), "outer_id": listing.reference, "fields": fields}

    def normalise(self, error: dict, listing: ListingData | None = None) -> tuple[Issue, ...]:
        sub_code = error.get("sub_code", "")
        kind, _, name = sub_code.partition(":")
        message = error.get("sub_msg") or error.get("msg", "")
        if sub_code == "isv.category-not-exist":
            return (issue("category_unmapped", "category_path", message),)
        if kind == "isv.missing-parameter":
            code = {
                "title": "missing_locale",
                "desc": "missing_locale",
                "price": "missing_price",
                "images": "image_count",
            }
            attribute = {"title": "titles.zh-hans", "desc": "descriptions.zh-hans", "price": "retail_price"}
            return (issue(code.get(name, "missing_attribute"), attribute.get(name, f"attributes.{name}"), message),)
        if kind == "isv.invalid-parameter":
            if name == "title":
                chinese = listing is not None and CJK.search(listing.titles.get("zh-hans", ""))
                return (issue("title_too_long" if chinese else "missing_locale", "titles.zh-hans", message),)
            code = {"price": "price_out_of_range", "images": "image_count", "desc": "missing_locale"}
            return (issue(code.get(name, "channel_rule"), name, message),)
        return (issue("channel_rule", "", f"{sub_code or error.get('code')}: {message}"),)

    # --- calls ----------------------------------------------------------------------------------

    def push_one(self, listing: ListingData, payload: dict | None = None) -> PushResult:
        reference = listing.reference
        try:
            if payload is None:
                if self.category(listing):
                    self.schema(self.category(listing))
                payload = self.render(listing)
            try:
                answer = self.call("tmall.item.schema.add", payload, idempotency_key=listing.idempotency_key)
            except TmallCallFailed as exc:
                if exc.error.get("sub_code") != "isv.item-duplicate":
                    raise
                answer = self.call("tmall.item.schema.update", {**payload, "item_id": exc.error["item_id"]})
        except TmallCallFailed as exc:
            return PushResult(reference=reference, status="rejected", issues=self.normalise(exc.error, listing))
        except ChannelError as exc:
            return self.failed(reference, exc)
        return PushResult(reference=reference, status="live", external_id=str(answer["item_id"]))

    def push(self, batch: list[ListingData]) -> list[PushResult]:
        try:
            self.prepare(batch)
        except ChannelError as exc:
            return [self.failed(listing.reference, exc) for listing in batch]
        return super().push(batch)

    def delist(self, refs: list[tuple[str, str]]) -> list[PushResult]:
        results = []
        for reference, item_id in refs:
            try:
                self.call("taobao.item.update.delisting", {"num_iid": item_id}, idempotency_key=f"delist:{item_id}")
                results.append(PushResult(reference=reference, status="delisted", external_id=item_id))
            except TmallCallFailed as exc:
                gone = exc.error.get("sub_code") == "isv.item-not-exist"
                results.append(
                    PushResult(
                        reference=reference,
                        status="delisted" if gone else "error",
                        external_id=item_id,
                        issues=() if gone else self.normalise(exc.error),
                    )
                )
            except ChannelError as exc:
                results.append(self.failed(reference, exc))
        return results

    def fetch_orders(self, since: datetime | None) -> list[ChannelOrder]:
        params = {"start_modified": since.isoformat()} if since else {}
        answer = self.call("taobao.trades.sold.increment.get", params)
        return [
            ChannelOrder(
                external_id=str(t["tid"]),
                placed_at=parse_time(t["created"]),
                currency=t.get("currency", "CNY"),
                buyer_email=t.get("buyer_email", ""),
                shipping_address=t.get("receiver_address") or {},
                lines=tuple(
                    ChannelOrderLine(sku=o["outer_iid"], quantity=int(o["num"]), unit_price=Decimal(str(o["price"])))
                    for o in (t.get("orders") or {}).get("order", [])
                ),
            )
            for t in (answer.get("trades") or {}).get("trade", [])
        ]

    def push_inventory(self, levels: list[InventoryLevel]) -> None:
        totals: dict[str, int] = {}
        for level in levels:
            totals[level.external_id] = totals.get(level.external_id, 0) + max(0, level.available)
        for item_id, quantity in totals.items():
            self.call(
                "taobao.item.quantity.update",
                {"num_iid": item_id, "quantity": quantity},
                idempotency_key=f"qty:{item_id}:{quantity}",
            )

    def push_tracking(self, shipment: TrackingUpdate) -> None:
        self.call(
            "taobao.logistics.offline.send",
            {"tid": shipment.external_order_id, "out_sid": shipment.tracking_number, "company_code": shipment.carrier},
            idempotency_key=f"track:{shipment.external_order_id}:{shipment.tracking_number}",
        )
