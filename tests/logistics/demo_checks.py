"""The demo's logistics part (logistics/demo.py) as `load_demo` builds it: the warehouse network,
stock, an inbound shipment stocked after a short count and a failed inspection line, another in
transit, a consolidated brand consignment declared, submitted and cleared with its PDFs, storage
allotments; and a second run that changes nothing. One test, since the demo takes seconds.
tests/test_demo.py runs these checks on its one load of the whole demo (a load takes half a minute).
"""

from django.core.files.storage import default_storage

from logistics.models import (
    Consignment,
    CustomsDeclaration,
    InboundLine,
    InboundShipment,
    Reservation,
    Stock,
    StockMovement,
    StorageAllotment,
    Warehouse,
)
from tests.logistics.helpers import assert_ledger_balanced

K = Warehouse.Kind
MODELS = [InboundShipment, InboundLine, Consignment, CustomsDeclaration, Stock, StockMovement, StorageAllotment]


def check_network() -> None:
    kinds = set(Warehouse.objects.values_list("country", "kind"))
    assert {country for country, _ in kinds} >= {"KR", "US", "JP", "CN"}
    assert {("KR", K.CONSOLIDATION), ("US", K.OVERSEAS_DC), ("JP", K.OVERSEAS_DC), ("CN", K.BONDED)} <= kinds
    assert {("US", K.RETURNS_CENTRE), ("CN", K.RETURNS_CENTRE)} <= kinds
    stocked = set(Stock.objects.filter(on_hand__gt=0).values_list("warehouse__country", flat=True))
    assert {"KR", "US", "JP"} <= stocked


def check_inbound() -> None:
    shipment = InboundShipment.objects.get(status=InboundShipment.Status.STOCKED)
    assert shipment.warehouse.code == "icn-hub"
    assert shipment.tracking_number and shipment.stocked_at
    lines = list(shipment.lines.select_related("variant"))
    assert len(lines) == 3
    assert all(line.variant.product.company_id == shipment.company_id for line in lines)
    # A shortage on the count stays visible.
    assert any(line.discrepancy < 0 for line in lines)
    # A line partly failed inspection: defect codes, and its failed units quarantined.
    failed = [line for line in lines if line.quantity_failed]
    assert len(failed) == 1
    line = failed[0]
    assert 0 < line.quantity_failed < line.quantity_received and line.quantity_passed > 0
    assert line.defect_codes
    stock = Stock.objects.get(variant=line.variant, warehouse=shipment.warehouse)
    assert stock.quarantined >= line.quantity_failed
    assert StockMovement.objects.filter(
        stock=stock, reference=f"inbound:{shipment.pk}", kind=StockMovement.Kind.QUARANTINE
    ).exists()
    # A line repackaged into the brand's packaging, with its fee recorded.
    repackaged = [line for line in lines if line.service == InboundLine.Service.REPACKAGE]
    assert len(repackaged) == 1
    assert repackaged[0].service_fee_amount > 0 and repackaged[0].service_fee_currency == "KRW"
    # Another shipment waits for an operator to receive it.
    waiting = InboundShipment.objects.get(status=InboundShipment.Status.IN_TRANSIT)
    assert waiting.dispatched_at and waiting.tracking_number and waiting.carrier
    assert waiting.company.memberships.filter(brand__name="Hanji Living", status="active").exists()


def check_consignment() -> None:
    declaration = CustomsDeclaration.objects.select_related("consignment__brand").get(
        status=CustomsDeclaration.Status.CLEARED
    )
    consignment = declaration.consignment
    assert consignment.brand is not None and consignment.brand.name == "Hanji Living"
    assert consignment.exporter_id == consignment.brand.lead_company_id
    assert consignment.warehouse.code == "icn-hub"
    assert (str(consignment.destination_country), consignment.incoterm) == ("JP", "DAP")
    assert "Tokyo" in consignment.importer_address
    assert len({line.manufacturer_id for line in consignment.lines.all()}) == 3
    assert len({line.manufacturer_id for line in declaration.lines.all()}) == 3
    assert declaration.goods_value > 0 and declaration.tax_amount > 0 and declaration.rule_versions
    # Its stock is reserved at the hub it leaves from.
    reservation = Reservation.objects.get(reference=consignment.reference, status=Reservation.Status.ACTIVE)
    assert {line.stock.warehouse_id for line in reservation.lines.select_related("stock")} == {consignment.warehouse_id}
    for document in (declaration.commercial_invoice, declaration.cn23):
        assert document.name and default_storage.exists(document.name)
        with default_storage.open(document.name, "rb") as file:
            assert file.read(5) == b"%PDF-"


def after_first_load(first: str):
    check_network()
    check_inbound()
    check_consignment()
    assert sorted(StorageAllotment.objects.values_list("volume_m3", flat=True)) == [60, 120, 240]
    assert {a.warehouse.code for a in StorageAllotment.objects.all()} <= {"icn-hub", "lax-dc"}
    assert_ledger_balanced()
    assert "inbound shipments: 2 created" in first
    assert "consignments: 1 created" in first
    assert "storage allotments: 3 created" in first

    return None


def after_second_load(second: str, state) -> None:
    assert "inbound shipments: 0 created, 2 already there" in second
    assert "consignments: 0 created, 1 already there" in second
    assert "storage allotments: 0 created, 3 already there" in second
    assert "nothing changed" in second
