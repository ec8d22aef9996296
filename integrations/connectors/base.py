"""The one interface every outside channel implements, over plain data.

Connectors see frozen dataclasses built by `integrations.selectors`, never models or views, so a
connector can be read, tested and replaced on its own. They talk HTTP only through
`integrations.http.client.ChannelClient` (timeouts, retries, rate limit, shared circuit breaker).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """A problem normalised across channels: a stable code, the attribute, the channel's own words."""

    code: str  # missing_locale, title_too_long, missing_attribute, category_unmapped, image_count, ...
    severity: Severity
    attribute: str
    message: str

    @property
    def blocking(self) -> bool:
        return self.severity == "error"


@dataclass(frozen=True)
class VariantData:
    sku: str
    gtin: str
    options: dict
    weight_kg: Decimal | None
    dimensions_cm: tuple[Decimal | None, Decimal | None, Decimal | None]
    available: int  # sellable units across the platform's warehouses


@dataclass(frozen=True)
class CompanyProfile:
    id: int
    legal_name: str
    country: str
    sector: str


@dataclass(frozen=True)
class ListingData:
    """One product as every channel may need it; connectors take what their format uses."""

    product_id: int
    reference: str  # our stable external reference (the product's slug), the channel's "SKU"/"seller id"
    content_hash: str  # of what the channels get: the product's content hash and its platform mark
    mode: str  # b2c | b2b | both
    category_path: str
    hs_code: str
    origin_country: str
    material: str
    attributes: dict
    titles: dict[str, str]  # locale -> title
    descriptions: dict[str, str]
    image_urls: tuple[str, ...]
    base_currency: str
    retail_price: Decimal | None  # in base_currency
    prices: dict[str, Decimal]  # currency -> explicit B2C price (overrides)
    moq: int | None
    order_multiple: int
    lead_time_days: int | None
    incoterms: tuple[str, ...]
    tiers: tuple[tuple[int, Decimal], ...]  # (min quantity, unit price in base_currency)
    variants: tuple[VariantData, ...]
    company: CompanyProfile
    brand: str | None  # brand name, when under a common brand
    platform_mark_until: datetime | None = None  # the platform's quality mark holds until then (ADR 0026)

    @property
    def idempotency_key(self) -> str:
        """Same listing, same content -> same key, so a retried create never makes a duplicate."""
        return f"{self.reference}:{self.content_hash[:16]}"


@dataclass(frozen=True)
class ChannelConfig:
    """What a connector needs to know about its channel; built from the Channel row and settings."""

    code: str  # the channel (a marketplace, e.g. amazon-jp)
    connector: str  # the connector kind that speaks to it (amazon)
    base_url: str
    credentials: dict = field(repr=False)  # from settings/environment, never from the database
    locales: tuple[str, ...] = ()
    currency: str = "USD"
    destination_country: str = ""
    category_mapping: dict = field(default_factory=dict)  # our category path -> channel category id
    batch_size: int = 50


@dataclass(frozen=True)
class PushResult:
    """The channel's answer for one listing."""

    reference: str
    status: Literal["live", "submitted", "rejected", "error", "delisted"]
    external_id: str = ""
    issues: tuple[Issue, ...] = ()
    temporary: bool = False  # an "error" worth retrying later (5xx, timeout, breaker open)


@dataclass(frozen=True)
class InventoryLevel:
    reference: str
    external_id: str
    sku: str
    available: int


@dataclass(frozen=True)
class TrackingUpdate:
    external_order_id: str
    carrier: str
    tracking_number: str
    shipped_at: datetime


@dataclass(frozen=True)
class ChannelOrderLine:
    sku: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class ChannelOrder:
    external_id: str
    placed_at: datetime
    currency: str
    buyer_email: str
    shipping_address: dict
    lines: tuple[ChannelOrderLine, ...]


class Connector(ABC):
    """One outside marketplace. Subclasses set `code` and implement every method."""

    code: str = ""

    def __init__(self, config: ChannelConfig, client):
        self.config = config
        self.client = client  # integrations.http.client.ChannelClient

    @abstractmethod
    def validate(self, listing: ListingData) -> list[Issue]:
        """A dry run by the channel's own rules; sends nothing."""

    @abstractmethod
    def render(self, listing: ListingData) -> dict:
        """The channel's payload for one listing."""

    @abstractmethod
    def push(self, batch: list[ListingData]) -> list[PushResult]:
        """Create or update listings; one result per listing, in order."""

    def poll(self, results: list[PushResult]) -> list[PushResult]:
        """Resolve `submitted` results of asynchronous channels; synchronous channels return them as they are."""
        return results

    @abstractmethod
    def delist(self, refs: list[tuple[str, str]]) -> list[PushResult]:
        """Remove listings by (reference, external id)."""

    @abstractmethod
    def fetch_orders(self, since: datetime | None) -> list[ChannelOrder]:
        """Orders placed on the channel since a moment (all when None)."""

    @abstractmethod
    def push_inventory(self, levels: list[InventoryLevel]) -> None:
        """Available quantities for listed SKUs."""

    @abstractmethod
    def push_tracking(self, shipment: TrackingUpdate) -> None:
        """A shipment of a channel order: carrier and tracking number."""
