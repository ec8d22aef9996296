"""What listings tells the apps above it (the storefront, syndication). Receivers are one
service call each (ARCHITECTURE.md)."""

from django.dispatch import Signal

# A product's status or the content channels see changed: kwargs product_id.
product_changed = Signal()
