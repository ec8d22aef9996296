"""Brands admin, one module per area; each module registers its models on import. Other apps'
admins build on the company scoping (CompanyScopedAdmin, ReadOnlyInline)."""

from brands.admin import companies, onboarding  # noqa: F401
from brands.admin.scoping import EDITOR, CompanyScopedAdmin, ReadOnlyInline

__all__ = ["EDITOR", "CompanyScopedAdmin", "ReadOnlyInline"]
