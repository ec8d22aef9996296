"""Marketplace admin, one module per area; each module registers its models on import."""

from marketplace.admin import b2b, matchmaking, orders, payments, promotions, returns, settlement, trade, vouchers  # noqa: F401
