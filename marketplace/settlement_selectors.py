"""The programme report: what a co-financing programme paid for, for whom, and what is left."""

from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth, TruncYear
from django.utils import timezone

from core.money import Money
from marketplace.models import FeeSplit, ServiceOrder, SupportProgramme

ZERO = Decimal(0)


def programme_report(*, programme: SupportProgramme) -> dict:
    """Assisted companies, spend by fee kind, services used by stage and sub-group, remaining
    budget, by month and by year."""
    splits = FeeSplit.objects.filter(programme=programme)
    currency = programme.currency

    def money(value) -> dict:
        return Money(value or ZERO, currency).as_dict()

    def rows(trunc, name: str) -> list[dict]:
        grouped = (
            splits.annotate(bucket=trunc("created_at"))
            .values("bucket", "fee__kind")
            .annotate(total=Sum("programme_amount"))
            .order_by("bucket", "fee__kind")
        )
        companies = dict(
            splits.filter(is_reversal=False)
            .annotate(bucket=trunc("created_at"))
            .values("bucket")
            .annotate(n=Count("fee__company", distinct=True))
            .values_list("bucket", "n")
        )
        out: dict = {}
        for row in grouped:
            bucket = timezone.localtime(row["bucket"]) if timezone.is_aware(row["bucket"]) else row["bucket"]
            label = bucket.strftime("%Y-%m" if name == "month" else "%Y")
            entry = out.setdefault(
                label,
                {name: label, "assisted_companies": companies.get(row["bucket"], 0), "spend": ZERO, "by_fee_kind": {}},
            )
            entry["spend"] += row["total"]
            entry["by_fee_kind"][row["fee__kind"]] = money(row["total"])
        return [{**entry, "spend": money(entry["spend"])} for entry in out.values()]

    by_kind = splits.values("fee__kind").annotate(total=Sum("programme_amount")).order_by("fee__kind")
    covered = splits.aggregate(total=Sum("programme_amount"))["total"] or ZERO
    vouchers = programme.vouchers.aggregate(total=Sum("amount"), used=Sum("spent"), n=Count("pk"))
    assisted = set(splits.filter(is_reversal=False).values_list("fee__company_id", flat=True)) | set(
        programme.vouchers.values_list("company_id", flat=True)
    )
    orders = programme.service_orders.exclude(status=ServiceOrder.Status.CANCELLED)
    by_stage = (
        orders.values("stage", "sub_group")
        .annotate(n=Count("pk"), companies=Count("company", distinct=True), paid=Sum("programme_amount"))
        .annotate(co_paid=Sum("company_amount"))
        .order_by("stage", "sub_group")
    )
    services = orders.aggregate(n=Count("pk"), paid=Sum("programme_amount"), co_paid=Sum("company_amount"))
    return {
        "programme": programme.pk,
        "name": programme.name,
        "sponsor": programme.sponsor,
        "currency": currency,
        "budget": money(programme.budget),
        "committed": money(programme.spent),
        "remaining": money(programme.budget - programme.spent),
        "covered": money(covered),
        "vouchers": {
            "count": vouchers["n"],
            "issued": money(vouchers["total"]),
            "used": money(vouchers["used"]),
        },
        "assisted_companies": len(assisted),
        "by_fee_kind": [{"kind": row["fee__kind"], "spend": money(row["total"])} for row in by_kind],
        # Services ordered with the programme's vouchers (not cancelled), by the voucher's stages
        # and sub-groups: what the programme pays and what the companies co-pay.
        "services": {
            "orders": services["n"],
            "spend": money(services["paid"]),
            "co_payments": money(services["co_paid"]),
            "by_stage": [
                {
                    "stage": row["stage"],
                    "sub_group": row["sub_group"],
                    "orders": row["n"],
                    "companies": row["companies"],
                    "spend": money(row["paid"]),
                    "co_payments": money(row["co_paid"]),
                }
                for row in by_stage
            ],
        },
        "by_month": rows(TruncMonth, "month"),
        "by_year": rows(TruncYear, "year"),
    }
