"""Marketplace admin, one module per area; each module registers its models on import."""

from marketplace.admin import matchmaking, orders, payments, returns, settlement, trade  # noqa: F401
