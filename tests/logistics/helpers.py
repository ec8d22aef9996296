"""Logistics fixtures as plain functions, and the ledger check every scenario ends with."""

from decimal import Decimal

from django.db.models import Sum

from logistics.models import Stock, StockMovement, Warehouse, WarehouseRoute, Zone
from logistics.services import stock_receive


def zone(code="north_america", countries=("US", "CA", "MX")):
    return Zone.objects.get_or_create(
        code=code, defaults={"name": code.replace("_", " ").title(), "countries": list(countries)}
    )[0]


def warehouse(code, kind=Warehouse.Kind.OVERSEAS_DC, country="US", zone_=None, **fields):
    return Warehouse.objects.get_or_create(
        code=code,
        defaults={
            "name": code,
            "kind": kind,
            "country": country,
            "zone": zone_ or zone(),
            "capacity_m3": Decimal("1000"),
            "address": f"1 {code} Way",
            **fields,
        },
    )[0]


def route(zone_, warehouse_, priority):
    return WarehouseRoute.objects.get_or_create(zone=zone_, warehouse=warehouse_, defaults={"priority": priority})[0]


def network():
    """An ICN consolidation hub and a Los Angeles DC, both routed to North America (DC first)."""
    na = zone()
    kr = zone("korea", ("KR",))
    icn = warehouse("icn-hub", Warehouse.Kind.CONSOLIDATION, "KR", kr)
    lax = warehouse("lax-dc", Warehouse.Kind.OVERSEAS_DC, "US", na)
    route(na, lax, 1)
    route(na, icn, 2)
    return {"na": na, "icn": icn, "lax": lax}


def receive(variant, warehouse_, quantity):
    return stock_receive(variant=variant, warehouse=warehouse_, quantity=quantity, reference="test:seed")


def assert_ledger_balanced():
    """For every stock row, the ledger sums to the row, and nothing is negative or over-reserved."""
    for stock in Stock.objects.all():
        sums = StockMovement.objects.filter(stock=stock).aggregate(
            on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta"), quarantined=Sum("quarantined_delta")
        )
        assert (sums["on_hand"] or 0, sums["reserved"] or 0, sums["quarantined"] or 0) == (
            stock.on_hand,
            stock.reserved,
            stock.quarantined,
        ), stock
        assert 0 <= stock.reserved <= stock.on_hand and stock.quarantined >= 0
