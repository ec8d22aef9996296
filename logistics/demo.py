"""Demo data, logistics part: the overseas distribution network of the reference report (annex
table B.8: B2C distribution centres in New York, Los Angeles, Chicago and Tokyo, bonded
warehouses in China, a returns centre in Shanghai) around an Incheon consolidation hub, with
shipping rates and opening stock of the published demo products; then what moves through it:
inbound shipments (ASNs) from Hanji Living member companies to the hub, one stocked after a
short count and a failed inspection line, one still in transit; a consolidated Hanji Living
consignment to Japan, declared, submitted (which renders its commercial invoice and CN23) and
cleared; and storage allotments.

Goods move through logistics.services, so the stock ledger, fees and documents are real: SME
steps are taken by the company's owner, warehouse and customs steps by the demo operator.
Idempotent: inbound shipments are found by company and tracking number, the consignment by its
brand, importer and destination (consignment_create mints the reference `consignment:<id>`,
which its reservation and ledger entries carry, so no reference of our own can be its natural
key), allotments by company and warehouse. A shipment or consignment found part way through its
lifecycle is taken on from where it stands; one found complete is left as it is.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from brands.models import Brand, Company
from core.models import User
from listings.models import Product, Variant
from logistics.models import (
    Consignment,
    CustomsDeclaration,
    InboundLine,
    InboundShipment,
    ShippingRate,
    Stock,
    StorageAllotment,
    Warehouse,
    WarehouseRoute,
    Zone,
)
from logistics.services import (
    InboundCount,
    InboundInspection,
    InboundLineSpec,
    consignment_create,
    declaration_clear,
    declaration_create,
    declaration_submit,
    inbound_create,
    inbound_dispatch,
    inbound_inspect,
    inbound_receive,
    inbound_stock,
    stock_receive,
)

K = Warehouse.Kind

ZONES = {
    "korea": ("Korea", ["KR"]),
    "east_asia": ("East Asia", ["JP", "CN", "TW", "HK", "SG"]),
    "north_america": ("North America", ["US", "CA"]),
    "latin_america": ("Latin America", ["MX", "BR", "CL", "CO", "PE", "AR"]),
    "europe": ("Europe", ["DE", "FR", "GB", "ES", "IT", "NL", "PL", "SE"]),
}

WAREHOUSES = [
    ("icn-hub", "Incheon consolidation hub", K.CONSOLIDATION, "KR", "korea", "5000", "Incheon Airport Free Trade Zone"),
    (
        "weihai-bonded",
        "Weihai bonded warehouse",
        K.BONDED,
        "CN",
        "east_asia",
        "800",
        "Weihai Comprehensive Bonded Zone",
    ),
    ("shanghai-returns", "Shanghai returns centre", K.RETURNS_CENTRE, "CN", "east_asia", "400", "Waigaoqiao, Shanghai"),
    ("tyo-dc", "Tokyo distribution centre", K.OVERSEAS_DC, "JP", "east_asia", "600", "Ota-ku, Tokyo"),
    ("nyc-dc", "New York distribution centre", K.OVERSEAS_DC, "US", "north_america", "600", "Secaucus, NJ"),
    ("lax-dc", "Los Angeles distribution centre", K.OVERSEAS_DC, "US", "north_america", "900", "Carson, CA"),
    ("chi-dc", "Chicago distribution centre", K.OVERSEAS_DC, "US", "north_america", "500", "Elk Grove Village, IL"),
    ("lax-returns", "Los Angeles returns centre", K.RETURNS_CENTRE, "US", "north_america", "300", "Carson, CA"),
]

# Which warehouse serves a zone first: the routing rule as data.
ROUTES = {
    "korea": ["icn-hub"],
    "east_asia": ["tyo-dc", "weihai-bonded", "icn-hub"],
    "north_america": ["lax-dc", "nyc-dc", "chi-dc", "icn-hub"],
    "latin_america": ["lax-dc", "icn-hub"],
    "europe": ["icn-hub"],
}

# USD per parcel up to a weight (kg): (standard, express) by distance class.
BANDS = [Decimal(w) for w in ("0.5", "1", "2", "5", "10", "20", "30")]
PRICES = {
    "domestic": ([6, 7, 9, 12, 16, 24, 32], [9, 11, 14, 19, 26, 38, 50]),
    "regional": ([11, 14, 19, 29, 45, 79, 110], [19, 24, 32, 48, 75, 129, 180]),
    "long_haul": ([17, 22, 31, 52, 89, 160, 230], [29, 38, 52, 85, 140, 250, 350]),
}
CARRIERS = {"standard": "Korea Post EMS", "express": "DHL Express"}
LOCAL_CARRIERS = {"US": ("USPS", "UPS"), "JP": ("Japan Post", "Yamato"), "CN": ("China Post", "SF Express")}


# --- goods moving through the network ------------------------------------------------------


@dataclass(frozen=True)
class AsnLine:
    """A line of a demo ASN: what the SME sends, and (for a shipment taken to `stocked`) what the
    warehouse counts and inspects."""

    sku: str  # a variant's SKU
    expected: int
    lot: str = ""
    received: int | None = None  # None: as expected
    failed: int = 0
    defect_codes: tuple[str, ...] = ()
    service: str = InboundLine.Service.NONE


@dataclass(frozen=True)
class Asn:
    company: str  # slug in context["companies"]
    warehouse: str
    carrier: str
    tracking_number: str  # with the company, the natural key
    lines: tuple[AsnLine, ...]
    until: str  # the status the demo takes it to: in_transit or stocked
    expected_in_days: int = 3  # from the day it is created


INBOUND = [
    # Ceramics for the hub: four soju sets short on the count, three teacups failing inspection
    # (quarantined), and the plates repackaged into the brand's recycled-hanji gift box.
    Asn(
        company="icheon-ceramics",
        warehouse="icn-hub",
        carrier="CJ Logistics",
        tracking_number="560118342201",
        lines=(
            AsnLine("IC-CEL-TEACUP", 24, lot="K-0312", failed=3, defect_codes=("glaze-crack", "chipped-rim")),
            AsnLine("IC-CEL-SOJU", 36, lot="K-0312", received=32),
            AsnLine("IC-BUN-PLATE", 48, lot="K-0309", service=InboundLine.Service.REPACKAGE),
        ),
        until=InboundShipment.Status.STOCKED,
        expected_in_days=-1,
    ),
    # Hemp textiles on the road, for an operator to receive.
    Asn(
        company="andong-hemp",
        warehouse="icn-hub",
        carrier="Hanjin Express",
        tracking_number="508812904417",
        lines=(AsnLine("AH-BLANKET", 20, lot="AH-25-41"), AsnLine("AH-TOWEL-3", 60, lot="AH-25-44")),
        until=InboundShipment.Status.IN_TRANSIT,
    ),
]

# A consolidated consignment of three member companies' goods under the Hanji Living brand,
# from the Incheon hub to an importer in Tokyo. Its variants hold no stock at the Tokyo DC or
# Weihai, which Japan's routes prefer, so the reservation is made at the hub it leaves from.
CONSIGNMENT = {
    "brand": "Hanji Living",
    "warehouse": "icn-hub",
    "destination_country": "JP",
    "importer_name": "Kurashi Select Trading K.K.",
    "importer_address": "3-9-2 Kuramae, Taito-ku\nTokyo 111-0051",
    "incoterm": Consignment.Incoterm.DAP,
    "currency": "USD",
    # variant SKU, units, unit value (export price)
    "lines": [
        ("JH-PEND-CRANE", 12, "64.00"),  # Jeonju Hanji Craft, HS 9405: duty free in Japan
        ("IC-BUN-BOWL", 60, "9.50"),  # Icheon Ceramic Studio, HS 6912
        ("AH-RUNNER-NAT", 30, "14.00"),  # Andong Hemp Textile, HS 6302
    ],
}

# Space rented for a year, starting the month the demo is loaded: (company, warehouse, m3).
ALLOTMENTS = [
    ("hanji-living", "icn-hub", 240),
    ("icheon-ceramics", "icn-hub", 120),
    ("seoul-beauty", "lax-dc", 60),
]


def _variant(sku: str) -> Variant:
    return Variant.objects.select_related("product").get(sku=sku)


def _distance(warehouse: Warehouse, zone: str) -> str:
    if warehouse.zone.code == zone:
        return "domestic"
    if {warehouse.zone.code, zone} <= {"korea", "east_asia"} or {warehouse.zone.code, zone} <= {
        "north_america",
        "latin_america",
    }:
        return "regional"
    return "long_haul"


class LogisticsDemo:
    def __init__(self, tally: Counter):
        self.tally = tally

    def count(self, kind: str, created: bool) -> None:
        self.tally[kind, "created" if created else "existing"] += 1

    def load(self, context: dict) -> dict:
        network = self.load_network()
        warehouses = network["warehouses"]
        self.load_stock(warehouses)
        operator: User = context["operator"]
        companies: dict[str, tuple[Company, User]] = context["companies"]
        inbound_shipments = [self.load_inbound(spec, warehouses, companies, operator) for spec in INBOUND]
        consignment = self.load_consignment(CONSIGNMENT, warehouses, companies, operator)
        self.load_allotments(warehouses, companies)
        return {**network, "inbound_shipments": inbound_shipments, "consignment": consignment}

    def load_network(self) -> dict:
        """Zones, warehouses, routes and shipping rates: the configuration, without goods."""
        zones = {}
        for code, (name, codes) in ZONES.items():
            zones[code], created = Zone.objects.get_or_create(code=code, defaults={"name": name, "countries": codes})
            self.count("zones", created)
        warehouses = {}
        for code, name, kind, country, zone, capacity, address in WAREHOUSES:
            warehouses[code], created = Warehouse.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "kind": kind,
                    "country": country,
                    "zone": zones[zone],
                    "capacity_m3": Decimal(capacity),
                    "address": address,
                },
            )
            self.count("warehouses", created)
        for zone, codes in ROUTES.items():
            for priority, code in enumerate(codes, start=1):
                WarehouseRoute.objects.get_or_create(
                    zone=zones[zone], warehouse=warehouses[code], defaults={"priority": priority}
                )
        self.load_rates(warehouses, zones)
        return {"warehouses": warehouses, "zones": zones}

    def load_rates(self, warehouses: dict, zones: dict) -> None:
        for zone, codes in ROUTES.items():
            for code in codes:
                warehouse = warehouses[code]
                distance = _distance(warehouse, zone)
                local = LOCAL_CARRIERS.get(str(warehouse.country)) if distance == "domestic" else None
                for service, prices in zip(("standard", "express"), PRICES[distance], strict=True):
                    carrier = local[service == "express"] if local else CARRIERS[service]
                    transit = {"domestic": (2, 5), "regional": (4, 8), "long_haul": (6, 12)}[distance]
                    if service == "express":
                        transit = (max(1, transit[0] - 2), max(2, transit[1] - 4))
                    for band, price in zip(BANDS, prices, strict=True):
                        _, created = ShippingRate.objects.get_or_create(
                            warehouse=warehouse,
                            zone=zones[zone],
                            service=service,
                            max_weight_kg=band,
                            defaults={
                                "carrier": carrier,
                                "amount": Decimal(price),
                                "currency": "USD",
                                "transit_days_min": transit[0],
                                "transit_days_max": transit[1],
                            },
                        )
                        self.count("shipping rates", created)

    def load_stock(self, warehouses: dict) -> None:
        """Opening stock of published products: the hub holds everything, the Los Angeles and
        Tokyo DCs hold the B2C best sellers, and a few items are deliberately short."""
        variants = Variant.objects.filter(product__status=Product.Status.PUBLISHED).order_by("pk")
        for i, variant in enumerate(variants):
            plan = {"icn-hub": 40 + (i * 7) % 60}
            if variant.product.sells_b2c and i % 3 == 0:
                plan["lax-dc"] = 12 + i % 10
            if variant.product.sells_b2c and i % 4 == 1:
                plan["tyo-dc"] = 8 + i % 6
            if i % 11 == 5:
                plan = {"icn-hub": 3}  # low stock, to show availability
            for code, quantity in plan.items():
                exists = Stock.objects.filter(variant=variant, warehouse=warehouses[code]).exists()
                self.count("stock rows", not exists)
                if not exists:
                    stock_receive(
                        variant=variant, warehouse=warehouses[code], quantity=quantity, reference="demo:opening-stock"
                    )

    # Inbound shipments
    def load_inbound(self, spec: Asn, warehouses: dict, companies: dict, operator: User) -> InboundShipment:
        """Creates the ASN if missing and takes it on to `spec.until`: dispatched by the SME,
        received, inspected and stocked by the warehouse."""
        company, owner = companies[spec.company]
        warehouse = warehouses[spec.warehouse]
        shipment = InboundShipment.objects.filter(
            company=company, warehouse=warehouse, tracking_number=spec.tracking_number
        ).first()
        self.count("inbound shipments", shipment is None)
        S = InboundShipment.Status
        if shipment is None:
            variants = {line.sku: _variant(line.sku) for line in spec.lines}
            shipment = inbound_create(
                actor=owner,
                company=company,
                warehouse=warehouse,
                lines=[InboundLineSpec(variants[line.sku].pk, line.expected, line.lot) for line in spec.lines],
                carrier=spec.carrier,
                tracking_number=spec.tracking_number,
                expected_on=timezone.localdate() + timedelta(days=spec.expected_in_days),
            )
        if shipment.status == S.DRAFT:
            shipment = inbound_dispatch(actor=owner, shipment=shipment)
        if spec.until == S.IN_TRANSIT:
            return shipment
        lines = {(line.variant.sku, line.lot): line for line in shipment.lines.select_related("variant")}
        if shipment.status == S.IN_TRANSIT:
            counts = []
            for line in spec.lines:
                received = line.expected if line.received is None else line.received
                counts.append(InboundCount(lines[line.sku, line.lot].pk, received))
            shipment = inbound_receive(actor=operator, shipment=shipment, counts=counts)
        if shipment.status == S.RECEIVED:
            results = []
            for line in spec.lines:
                received = line.expected if line.received is None else line.received
                results.append(
                    InboundInspection(
                        line_id=lines[line.sku, line.lot].pk,
                        quantity_passed=received - line.failed,
                        quantity_failed=line.failed,
                        defect_codes=line.defect_codes,
                        service=line.service,
                    )
                )
            shipment = inbound_inspect(actor=operator, shipment=shipment, results=results)
        if shipment.status == S.INSPECTED:
            shipment = inbound_stock(actor=operator, shipment=shipment)
        return shipment

    # The consolidated consignment
    def load_consignment(self, spec: dict, warehouses: dict, companies: dict, operator: User) -> Consignment:
        """Creates the brand's consignment if missing (topping up the hub's stock first where
        it is short), then declares, submits and clears it, as far as it has not got yet."""
        brand = Brand.objects.select_related("lead_company").get(name__iexact=spec["brand"])
        lead_owner = next(owner for company, owner in companies.values() if company.pk == brand.lead_company_id)
        warehouse = warehouses[spec["warehouse"]]
        consignment = (
            Consignment.objects.filter(
                brand=brand,
                warehouse=warehouse,
                destination_country=spec["destination_country"],
                importer_name=spec["importer_name"],
            )
            .exclude(status=Consignment.Status.CANCELLED)
            .first()
        )
        self.count("consignments", consignment is None)
        if consignment is None:
            lines = []
            for sku, quantity, unit_value in spec["lines"]:
                variant = _variant(sku)
                self.ensure_available(variant, warehouse, quantity, operator)
                lines.append(
                    {
                        "variant": variant,
                        "quantity": quantity,
                        "unit_value": Decimal(unit_value),
                        "currency": spec["currency"],
                    }
                )
            consignment = consignment_create(
                actor=lead_owner,
                brand=brand,
                warehouse=warehouse,
                destination_country=spec["destination_country"],
                importer_name=spec["importer_name"],
                importer_address=spec["importer_address"],
                incoterm=spec["incoterm"],
                lines=lines,
            )
        if consignment.status != Consignment.Status.DRAFT:
            return consignment  # dispatched by an operator since: leave it
        D = CustomsDeclaration.Status
        declaration = CustomsDeclaration.objects.filter(consignment=consignment).first()
        if declaration is None:
            declaration, _ = declaration_create(consignment=consignment, actor=lead_owner)
        if declaration.status == D.DRAFT:
            declaration = declaration_submit(declaration=declaration, actor=operator)
        if declaration.status == D.SUBMITTED:
            declaration_clear(declaration=declaration, actor=operator)
        return consignment

    def ensure_available(self, variant: Variant, warehouse: Warehouse, quantity: int, operator: User) -> None:
        stock = Stock.objects.filter(variant=variant, warehouse=warehouse).first()
        available = stock.available if stock else 0
        if available < quantity:
            stock_receive(
                variant=variant,
                warehouse=warehouse,
                quantity=quantity - available,
                reference="demo:consignment-stock",
                actor=operator,
            )

    # Storage allotments: configuration, created directly.
    def load_allotments(self, warehouses: dict, companies: dict) -> None:
        starts_on = timezone.localdate().replace(day=1)
        ends_on = starts_on.replace(year=starts_on.year + 1) - timedelta(days=1)
        for slug, code, volume in ALLOTMENTS:
            company, warehouse = companies[slug][0], warehouses[code]
            exists = StorageAllotment.objects.filter(company=company, warehouse=warehouse).exists()
            self.count("storage allotments", not exists)
            if not exists:
                StorageAllotment.objects.create(
                    company=company, warehouse=warehouse, volume_m3=volume, starts_on=starts_on, ends_on=ends_on
                )
