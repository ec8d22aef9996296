"""The brands app's models: companies and staff, brands and members, seller onboarding, agents' mandates."""

from brands.models.brands import Brand, BrandEvent, Membership, QualityStandard, QualityStandardItem
from brands.models.companies import ApiKey, Company, CompanyStaff, StaffInvitation
from brands.models.mandates import Mandate, MandateEvent, MandateScope
from brands.models.onboarding import SellerApplication, SellerApplicationEvent, seller_document_upload_to

__all__ = [
    "Company",
    "CompanyStaff",
    "StaffInvitation",
    "ApiKey",
    "Brand",
    "QualityStandard",
    "QualityStandardItem",
    "Membership",
    "BrandEvent",
    "seller_document_upload_to",
    "SellerApplication",
    "SellerApplicationEvent",
    "MandateScope",
    "Mandate",
    "MandateEvent",
]
