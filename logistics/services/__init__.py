"""Every write in logistics, by area. Other apps import from here (logistics.services)."""

from logistics.services.stock import (
    InsufficientStock,
    Line,
    reservation_line_ship,
    reservation_release,
    reservations_expire,
    stock_adjust,
    stock_dispose_quarantined,
    stock_receive,
    stock_reserve,
    warehouses_for_destination,
    zone_for_country,
)

__all__ = [
    "InsufficientStock",
    "Line",
    "reservation_line_ship",
    "reservation_release",
    "reservations_expire",
    "stock_adjust",
    "stock_dispose_quarantined",
    "stock_receive",
    "stock_reserve",
    "warehouses_for_destination",
    "zone_for_country",
]
