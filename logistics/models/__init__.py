from logistics.models.backorders import Backorder
from logistics.models.customs import (
    CustomsDeclaration,
    DeclarationLine,
    DutyRule,
    LowValueScheme,
    RestrictedGood,
    TaxRule,
)
from logistics.models.drawback import DrawbackClaim, DrawbackRule
from logistics.models.fulfilment import Fulfilment, FulfilmentLine, Shipment, ShipmentLine, TrackingEvent
from logistics.models.inbound import Consignment, ConsignmentLine, InboundLine, InboundShipment
from logistics.models.network import ShippingRate, StorageAllotment, Warehouse, WarehouseRoute, Zone
from logistics.models.origin import OriginQualification, PreferentialRate, TradeAgreement
from logistics.models.reconciliation import DutyBill
from logistics.models.returns import PhysicalReturn, PhysicalReturnEvent, PhysicalReturnLine
from logistics.models.stock import Reservation, ReservationLine, Stock, StockMovement

__all__ = [
    "Backorder",
    "Consignment",
    "ConsignmentLine",
    "CustomsDeclaration",
    "DeclarationLine",
    "DrawbackClaim",
    "DrawbackRule",
    "DutyBill",
    "DutyRule",
    "Fulfilment",
    "FulfilmentLine",
    "InboundLine",
    "InboundShipment",
    "LowValueScheme",
    "OriginQualification",
    "PhysicalReturn",
    "PhysicalReturnEvent",
    "PhysicalReturnLine",
    "PreferentialRate",
    "Reservation",
    "ReservationLine",
    "RestrictedGood",
    "Shipment",
    "ShipmentLine",
    "ShippingRate",
    "Stock",
    "StockMovement",
    "StorageAllotment",
    "TaxRule",
    "TrackingEvent",
    "TradeAgreement",
    "Warehouse",
    "WarehouseRoute",
    "Zone",
]
