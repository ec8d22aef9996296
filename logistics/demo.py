"""Demo data, logistics part: the overseas distribution network of the reference report (annex
table B.8: B2C distribution centres in New York, Los Angeles, Chicago and Tokyo, bonded
warehouses in China, a returns centre in Shanghai) around an Incheon consolidation hub, with
shipping rates and opening stock of the published demo products."""

from collections import Counter
from decimal import Decimal

from listings.models import Product, Variant
from logistics.models import ShippingRate, Stock, Warehouse, WarehouseRoute, Zone
from logistics.services import stock_receive

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
        self.load_stock(warehouses)
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
