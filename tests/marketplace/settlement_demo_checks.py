"""The demo's settlement part: programmes co-financing Hanji Living's fulfilment and syndication
fees, a voucher paying for the Export Voucher's services, and last month settled.
tests/test_demo.py runs these checks on its one load of the whole demo (a load takes half a minute).
"""

from decimal import ROUND_DOWN, Decimal

from django.db.models import Sum

from core.money import minor_units
from marketplace.models import Fee, FeeSplit, Payout, ProgrammeCompany, Statement, SupportProgramme, Voucher
from marketplace.services.fee_accrual import fees_accrue
from marketplace.services.settlement import settlement_run
from marketplace.services.statements import previous_period

MODELS = [SupportProgramme, Voucher, ProgrammeCompany, Fee, FeeSplit, Statement, Payout]


def after_first_load(first: str):
    year_programmes = SupportProgramme.objects.order_by("priority")
    voucher_programme, logistics = list(year_programmes)
    assert logistics.brand.name == "Hanji Living" and set(logistics.fee_kinds) >= {"fulfilment", "syndication"}

    # Logistics work is charged once: the consolidated consignment's fulfilment per manufacturer,
    # its customs brokerage, the ASN's inspections and the repackaging fee logistics recorded.
    kinds = dict(Fee.objects.values_list("kind").annotate(n=Sum(1)).values_list("kind", "n"))
    assert kinds["fulfilment"] == 3 and kinds["customs_brokerage"] == 1
    assert kinds["inspection"] >= 1 and kinds["repackaging"] == 1 and kinds["syndication"] >= 4
    assert fees_accrue() == {}

    # The programme pays 70 % of the brand's SMEs' fulfilment and syndication fees.
    for fee in Fee.objects.filter(kind__in=["fulfilment", "syndication"]):
        split = fee.splits.filter(programme=logistics).first()
        assert split is not None, fee
        unit = Decimal(1).scaleb(-minor_units(fee.currency))
        assert split.amount == (fee.amount * Decimal("0.7")).quantize(unit, rounding=ROUND_DOWN)
        assert fee.splits.aggregate(total=Sum("amount"))["total"] == fee.amount
    logistics.refresh_from_db()
    assert 0 < logistics.spent <= logistics.budget

    # The voucher pays Icheon Ceramics' inspection and repackaging first.
    voucher = Voucher.objects.get(application__isnull=True)  # issued directly, not through an application
    assert voucher.company.display_name("en").startswith("Icheon") and voucher.programme == voucher_programme
    assert voucher.spent > 0
    assert FeeSplit.objects.filter(voucher=voucher).exists()

    # Last month is settled: every company with syndication fees has its statement.
    period = previous_period()
    syndicated = set(Fee.objects.filter(kind="syndication").values_list("company_id", flat=True))
    assert set(Statement.objects.filter(period=period).values_list("company_id", flat=True)) == syndicated
    assert "support programmes: 2 created" in first and "vouchers: 1 created" in first

    return period


def after_second_load(second: str, state) -> None:
    period = state
    assert settlement_run(period=period)["statements"] == 0
    assert "support programmes: 0 created, 2 already there" in second
    assert "nothing changed" in second
