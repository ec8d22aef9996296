"""Logistics admin, one module per area; each module registers its models on import."""

from logistics.admin import network, stock  # noqa: F401
