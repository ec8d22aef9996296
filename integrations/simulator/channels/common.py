"""What every simulated channel shares: the reply it gives and the store of its listings, orders,
inventory and tracking."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation


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
