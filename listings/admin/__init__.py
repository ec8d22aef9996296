"""Listings admin, one module per area; each module registers its models on import."""

from listings.admin import categories, inspections, products, revisions  # noqa: F401
