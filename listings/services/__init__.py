"""Every write to products, by area. Other apps import from here (listings.services)."""

from listings.services.bulk import products_create_bulk
from listings.services.content import (
    missing_items_of,
    product_content,
    product_missing_items,
    product_refresh_content_hash,
)
from listings.services.edits import product_revision_approve, product_revision_reject, product_update
from listings.services.inspections import inspection_record
from listings.services.lifecycle import (
    product_approve,
    product_archive,
    product_lock,
    product_passed_inspection,
    product_publish,
    product_submit,
    product_suspend,
    product_unpublish,
    products_leave_brand,
    products_return_to_review,
)
from listings.services.products import (
    AVAILABILITY_FIELDS,
    EDITABLE_STATUSES,
    SCALAR_FIELDS,
    VARIANT_FIELDS,
    category_create,
    company_editor_require,
    product_create,
    product_delete,
    product_event_record,
)

__all__ = [
    "EDITABLE_STATUSES",
    "SCALAR_FIELDS",
    "AVAILABILITY_FIELDS",
    "VARIANT_FIELDS",
    "category_create",
    "company_editor_require",
    "inspection_record",
    "product_approve",
    "product_archive",
    "missing_items_of",
    "product_content",
    "product_create",
    "product_delete",
    "product_event_record",
    "product_lock",
    "product_missing_items",
    "product_passed_inspection",
    "product_publish",
    "product_refresh_content_hash",
    "product_revision_approve",
    "product_revision_reject",
    "product_submit",
    "product_suspend",
    "product_unpublish",
    "product_update",
    "products_create_bulk",
    "products_leave_brand",
    "products_return_to_review",
]
