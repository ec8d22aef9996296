"""Logistics admin, one module per area; each module registers its models on import."""

from logistics.admin import customs, fulfilment, inbound, network, origin, returns, stock  # noqa: F401
