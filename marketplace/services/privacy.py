"""A buyer's data: what marketplace holds about a user (export) and replacing it when the user
closes the account (docs/privacy.md says what stays and for how long)."""

from django.db import transaction

from core.errors import Conflict
from marketplace.models import BuyerStaff, Checkout, InquiryThread, Order

CLOSED_EMAIL = "closed-account@closed.invalid"
# Orders that were paid are tax and customs records: the invoice name and address stay.
UNPAID = [Order.Status.PENDING, Order.Status.CANCELLED]


def buyer_data_export(*, user) -> tuple[str, dict]:
    orders = Order.objects.filter(buyer=user).prefetch_related("lines").order_by("pk")
    return "marketplace", {
        "orders": [
            {
                "number": order.number,
                "status": order.status,
                "created_at": order.created_at,
                "email": order.email,
                "currency": order.currency,
                "total": str(order.money("total")),
                "shipping_address": order.shipping_address,
                "lines": [
                    {"sku": line.sku, "title": line.title, "quantity": line.quantity} for line in order.lines.all()
                ],
            }
            for order in orders
        ],
        "checkouts": list(
            Checkout.objects.filter(buyer=user).values("id", "status", "email", "shipping_address", "created_at")
        ),
        "buyer_companies": list(
            BuyerStaff.objects.filter(user=user).values("buyer_company__name", "buyer_company__country", "role")
        ),
        "inquiries": list(InquiryThread.objects.filter(buyer=user).values("id", "subject", "created_at")),
    }


@transaction.atomic
def buyer_data_erase(*, user) -> None:
    """Inside the closing transaction: checkouts and unpaid orders lose e-mail and address; paid
    orders keep the invoice name and address (tax and customs records) but lose the e-mail;
    the user leaves every buyer company (refused while its only owner)."""
    owned = BuyerStaff.objects.filter(user=user, role=BuyerStaff.Role.OWNER).select_related("buyer_company")
    for staff in owned.order_by("buyer_company_id"):
        others = BuyerStaff.objects.filter(buyer_company=staff.buyer_company_id, role=BuyerStaff.Role.OWNER)
        if not others.exclude(user=user).exists():
            raise Conflict(
                f"You are the only owner of {staff.buyer_company.name}; make someone else owner first.",
                attr="buyer_company",
            )
    Checkout.objects.filter(buyer=user).update(email=CLOSED_EMAIL, shipping_address={})
    Order.objects.filter(buyer=user, status__in=UNPAID).update(email=CLOSED_EMAIL, shipping_address={})
    Order.objects.filter(buyer=user).exclude(status__in=UNPAID).update(email=CLOSED_EMAIL)
    BuyerStaff.objects.filter(user=user).delete()
