"""Marketplace admin, one module per area; each module registers its models on import."""

from marketplace.admin import orders, payments, returns, settlement, trade, vouchers  # noqa: F401
