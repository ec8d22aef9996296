"""Every write in brands, by area. Other apps import from here (brands.services)."""

from brands.services.api_keys import api_key_authenticate, api_key_create, api_key_revoke
from brands.services.companies import COMPANY_FIELDS, company_create, company_update
from brands.services.lifecycle import (
    brand_activate,
    brand_create,
    brand_suspend,
    brands_enforce_minimum_members,
    quality_standard_publish,
)
from brands.services.mandates import (
    mandate_accept,
    mandate_decline,
    mandate_grant,
    mandate_revoke,
    mandate_update,
)
from brands.services.memberships import (
    membership_apply,
    membership_approve,
    membership_leave,
    membership_reject,
    membership_suspend,
)
from brands.services.onboarding import (
    company_require_approved_seller,
    seller_application_create,
    seller_application_decide,
    seller_application_evaluate,
    seller_application_submit,
    seller_first_product_record,
    seller_training_mark_read,
)
from brands.services.staff import company_staff_set, staff_invitation_accept, staff_invitation_revoke

__all__ = [
    "COMPANY_FIELDS",
    "api_key_authenticate",
    "api_key_create",
    "api_key_revoke",
    "brand_activate",
    "brand_create",
    "brand_suspend",
    "brands_enforce_minimum_members",
    "company_create",
    "company_staff_set",
    "company_update",
    "mandate_accept",
    "mandate_decline",
    "mandate_grant",
    "mandate_revoke",
    "mandate_update",
    "membership_apply",
    "membership_approve",
    "membership_leave",
    "membership_reject",
    "membership_suspend",
    "quality_standard_publish",
    "company_require_approved_seller",
    "seller_application_create",
    "seller_application_decide",
    "seller_application_evaluate",
    "seller_application_submit",
    "seller_first_product_record",
    "seller_training_mark_read",
    "staff_invitation_accept",
    "staff_invitation_revoke",
]
