"""What brands tells the apps above it. Each receiver is one service call (ARCHITECTURE.md)."""

from django.dispatch import Signal

# A member company left or was suspended: kwargs brand_id, company_id, reason.
membership_ended = Signal()

# A brand published a new quality-standard version: kwargs brand_id, version.
quality_standard_published = Signal()

# A brand became active or suspended, so its products enter or leave the storefront: kwargs brand_id.
brand_status_changed = Signal()
