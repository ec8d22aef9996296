"""The programme report: what a co-financing programme paid for, for whom, and what is left."""

from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth, TruncYear
from django.utils import timezone

from core.money import Money
from marketplace.models import FeeSplit, SupportProgramme

ZERO = Decimal(0)


def programme_report(*, programme: SupportProgramme) -> dict:
    """Assisted companies, spend by fee kind, remaining budget, by month and by year."""
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
        "by_month": rows(TruncMonth, "month"),
        "by_year": rows(TruncYear, "year"),
    }
