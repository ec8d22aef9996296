"""Fees: one charge per cause, the tariff, splits between programmes, vouchers and the company,
exact in each currency's minor units, and reversals that give everything back."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from brands.models import Company
from core.errors import Conflict, InvalidInput, WrongState
from core.money import Money
from marketplace.models import Fee, FeeSplit, ProgrammeCompany, SupportProgramme, Voucher
from marketplace.services.commission import refund_commission_reverse
from marketplace.services.fees import fee_charge, fee_reverse
from marketplace.services.programmes import voucher_issue
from marketplace.services.refunds import refund_grant
from tests.factories import OperatorFactory, brand_with_members, company_with_owner
from tests.marketplace.settlement_helpers import paid_order, programme

pytestmark = pytest.mark.django_db


def charge(company, amount: str, currency: str = "USD", kind: str = "fulfilment", cause_id: int = 1, **kwargs):
    return fee_charge(
        company=company,
        kind=kind,
        cause_type="test",
        cause_id=cause_id,
        amount=Money(Decimal(amount), currency),
        **kwargs,
    )


def parts(fee) -> list[tuple[int | None, Decimal]]:
    return [(s.programme_id, s.amount) for s in fee.splits.filter(is_reversal=False).order_by("pk")]


def assert_exact(fee):
    total = fee.splits.filter(is_reversal=False).aggregate(total=Sum("amount"))["total"]
    assert total == fee.amount
    company = fee.splits.get(is_reversal=False, programme__isnull=True).amount
    assert company == fee.company_amount


def test_charging_the_same_cause_twice_returns_the_first_fee_and_the_database_refuses_a_second():
    company = company_with_owner()
    first = fee_charge(company=company, kind="fulfilment", cause_type="shipment", cause_id=7)
    again = fee_charge(company=company, kind="fulfilment", cause_type="shipment", cause_id=7)
    assert again.pk == first.pk and Fee.objects.count() == 1
    assert first.splits.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Fee.objects.create(
            company=company,
            kind="fulfilment",
            cause_type="shipment",
            cause_id=7,
            amount=1,
            currency="USD",
            company_amount=1,
        )


def test_fees_come_from_the_tariff_per_unit_and_as_a_share_converted_when_asked():
    company = company_with_owner()
    shipment = fee_charge(company=company, kind="fulfilment", cause_type="shipment", cause_id=1)
    assert (shipment.amount, shipment.currency) == (Decimal("3.5000"), "USD")
    units = fee_charge(company=company, kind="inspection", cause_type="inbound_line", cause_id=1, quantity=Decimal(11))
    assert units.amount == Decimal("3.30")
    in_won = fee_charge(company=company, kind="fulfilment", cause_type="shipment", cause_id=2, currency="KRW")
    assert (in_won.amount, in_won.currency) == (Decimal(4830), "KRW")
    b2b = fee_charge(
        company=company,
        kind="commission",
        cause_type="order_line",
        cause_id=1,
        base=Money(Decimal("1234.56"), "USD"),
        scope="b2b_quote",
    )
    assert b2b.amount == Decimal("61.73")  # 5 % of 1234.56 = 61.728
    channel = fee_charge(
        company=company,
        kind="commission",
        cause_type="order_line",
        cause_id=2,
        base=Money(Decimal(10000), "JPY"),
        scope="channel:amazon",
    )
    assert channel.amount == Decimal(300)  # the `channel` rate, 3 %
    with pytest.raises(InvalidInput) as error:
        fee_charge(company=company, kind="nonsense", cause_type="x", cause_id=1)
    assert error.value.attr == "kind"


@pytest.mark.parametrize(
    ("amount", "currency", "covered", "company_part"),
    [
        ("3.33", "USD", "2.33", "1.00"),  # 70 % is 2.331, rounded down to the cent
        ("4831", "KRW", "3381", "1450"),  # no minor units: 3381.7 -> 3381
        ("999", "JPY", "699", "300"),  # 699.3 -> 699
        ("0.01", "USD", "0.00", "0.01"),
    ],
)
def test_a_programme_pays_its_share_and_the_parts_sum_exactly(amount, currency, covered, company_part):
    company = company_with_owner()
    p = programme(currency=currency, budget=Decimal(10**7), per_company_cap=Decimal(10**6))
    fee = charge(company, amount, currency)
    assert fee.company_amount == Decimal(company_part)
    assert_exact(fee)
    p.refresh_from_db()
    assert p.spent == Decimal(covered)


def test_programmes_pay_in_priority_order_and_the_company_pays_what_is_left():
    company = company_with_owner()
    second = programme(priority=2, share=Decimal("0.7"))
    first = programme(priority=1, share=Decimal("0.5"))
    fee = charge(company, "10.00")
    assert parts(fee) == [(first.pk, Decimal("5.00")), (second.pk, Decimal("5.00")), (None, Decimal("0.00"))]
    assert_exact(fee)


def test_never_beyond_the_remaining_budget_nor_the_company_cap():
    company, other = company_with_owner(), company_with_owner()
    p = programme(budget=Decimal("5.00"), per_company_cap=Decimal("2.00"))
    first = charge(company, "3.50", cause_id=1)
    assert parts(first) == [(p.pk, Decimal("2.00")), (None, Decimal("1.50"))]  # 2.45 capped at 2.00
    second = charge(company, "3.50", cause_id=2)
    assert parts(second) == [(None, Decimal("3.50"))]  # the cap is used up
    third = charge(other, "10.00", cause_id=3)
    assert parts(third) == [(p.pk, Decimal("2.00")), (None, Decimal("8.00"))]
    fourth = charge(company_with_owner(), "10.00", cause_id=4)
    assert parts(fourth) == [(p.pk, Decimal("1.00")), (None, Decimal("9.00"))]  # the last of the budget
    p.refresh_from_db()
    assert p.spent == p.budget == Decimal("5.00")
    assert ProgrammeCompany.objects.get(programme=p, company=company).spent == Decimal("2.00")


def test_fee_kinds_and_eligibility_decide_who_is_covered():
    brand = brand_with_members(1)
    member = brand.memberships.get(role="member").company
    p = programme(
        brand=brand, export_stages=["beginning"], countries=["KR"], fee_kinds=["fulfilment"], per_company_cap=100
    )
    Company.objects.filter(pk=member.pk).update(export_stage="beginning")
    member.refresh_from_db()
    assert parts(charge(member, "10.00", cause_id=1))[0] == (p.pk, Decimal("7.00"))
    assert parts(charge(member, "10.00", kind="translation", cause_id=2)) == [(None, Decimal("10.00"))]
    outsider = company_with_owner(export_stage="beginning")  # not in the brand
    assert parts(charge(outsider, "10.00", cause_id=3)) == [(None, Decimal("10.00"))]
    # The brand's lead company is a member but still at the preparation stage.
    assert parts(charge(brand.lead_company, "10.00", cause_id=4)) == [(None, Decimal("10.00"))]
    large = company_with_owner(is_large_enterprise_subsidiary=True, export_stage="beginning")  # not an SME
    assert parts(charge(large, "10.00", cause_id=5)) == [(None, Decimal("10.00"))]


def test_a_budget_in_won_covers_a_fee_in_dollars_at_the_recorded_rate():
    company = company_with_owner()
    p = programme(currency="KRW", budget=Decimal(1_000_000), per_company_cap=Decimal(100_000))
    fee = charge(company, "10.00")
    split = fee.splits.get(programme=p)
    assert (split.amount, split.programme_amount, split.exchange_rate) == (
        Decimal("7.00"),
        Decimal(9660),
        Decimal(1380),
    )
    p.refresh_from_db()
    assert p.spent == Decimal(9660)
    # Only 100 won left: it buys 0.07 USD (100 / 1380 = 0.0724..., rounded down), worth 97 won.
    SupportProgramme.objects.filter(pk=p.pk).update(spent=p.budget - 100)
    small = charge(company, "10.00", cause_id=2)
    split = small.splits.get(programme=p)
    assert (split.amount, split.programme_amount) == (Decimal("0.07"), Decimal(97))
    p.refresh_from_db()
    assert p.spent <= p.budget


def test_a_voucher_pays_first_within_its_balance_and_is_set_aside_from_the_budget():
    company = company_with_owner()
    operator = OperatorFactory()
    p = programme(budget=Decimal("100"), per_company_cap=Decimal("50"), fee_kinds=["fulfilment", "translation"])
    voucher = voucher_issue(
        programme=p,
        company=company,
        amount=Money(Decimal("20.00"), "USD"),
        fee_kinds=["translation"],
        expires_on=timezone.localdate() + timedelta(days=30),
        actor=operator,
    )
    p.refresh_from_db()
    assert p.spent == Decimal("20.00")
    assert ProgrammeCompany.objects.get(programme=p, company=company).spent == Decimal("20.00")
    first = charge(company, "15.00", kind="translation", cause_id=1)
    assert [(s.voucher_id, s.amount) for s in first.splits.all()] == [
        (voucher.pk, Decimal("15.00")),
        (None, Decimal("0.00")),
    ]
    # The voucher's last 5.00, then the programme's own 70 % share (10.50) of what is left (10.00).
    second = charge(company, "15.00", kind="translation", cause_id=2)
    assert [(s.voucher_id, s.programme_id, s.amount) for s in second.splits.all()] == [
        (voucher.pk, p.pk, Decimal("5.00")),
        (None, p.pk, Decimal("10.00")),
        (None, None, Decimal("0.00")),
    ]
    voucher.refresh_from_db()
    assert voucher.balance == Money(Decimal(0), "USD")
    # Fulfilment is not on the voucher: the programme pays its share directly, within the cap left (50 - 30).
    assert parts(charge(company, "100.00", cause_id=3)) == [(p.pk, Decimal("20.00")), (None, Decimal("80.00"))]


def test_voucher_issue_refuses_bad_input_and_more_than_the_budget_or_cap():
    company = company_with_owner()
    p = programme(budget=Decimal("100"), per_company_cap=Decimal("50"))
    later = timezone.localdate() + timedelta(days=10)
    issue = {"programme": p, "company": company, "expires_on": later, "actor": None, "fee_kinds": ["fulfilment"]}
    with pytest.raises(InvalidInput) as error:
        voucher_issue(amount=Money(Decimal(10), "KRW"), **issue)
    assert error.value.attr == "amount"
    with pytest.raises(InvalidInput) as error:
        voucher_issue(amount=Money(Decimal(10), "USD"), **{**issue, "fee_kinds": ["translation"]})
    assert error.value.attr == "fee_kinds"
    with pytest.raises(Conflict):
        voucher_issue(amount=Money(Decimal(60), "USD"), **issue)  # beyond the cap
    large = company_with_owner(is_large_enterprise_subsidiary=True)
    with pytest.raises(InvalidInput) as error:
        voucher_issue(amount=Money(Decimal(10), "USD"), **{**issue, "company": large})
    assert error.value.attr == "company"
    assert not Voucher.objects.exists()
    p.refresh_from_db()
    assert p.spent == 0


def test_reversing_a_fee_reverses_its_splits_and_gives_back_budget_cap_and_voucher():
    company = company_with_owner()
    p = programme(budget=Decimal("100"), per_company_cap=Decimal("50"), fee_kinds=["fulfilment", "translation"])
    voucher = voucher_issue(
        programme=p,
        company=company,
        amount=Money(Decimal("10.00"), "USD"),
        fee_kinds=["translation"],
        expires_on=timezone.localdate() + timedelta(days=30),
        actor=None,
    )
    direct = charge(company, "20.00", cause_id=1)
    by_voucher = charge(company, "4.00", kind="translation", cause_id=2)
    p.refresh_from_db()
    assert p.spent == Decimal("24.00")  # 10 set aside for the voucher + 14 direct
    fee_reverse(fee=direct, reason="Shipment cancelled")
    fee_reverse(fee=by_voucher, reason="Translation withdrawn")
    p.refresh_from_db()
    voucher.refresh_from_db()
    assert p.spent == Decimal("10.00") and voucher.spent == 0
    assert ProgrammeCompany.objects.get(programme=p, company=company).spent == Decimal("10.00")
    for fee in (direct, by_voucher):
        fee.refresh_from_db()
        assert fee.status == Fee.Status.REVERSED
        assert fee.splits.aggregate(total=Sum("amount"))["total"] == 0
    with pytest.raises(WrongState):
        fee_reverse(fee=direct, reason="again")


def test_commission_is_charged_when_an_order_is_paid_and_reversed_by_a_full_refund():
    seller = company_with_owner()
    order = paid_order(seller, total=Decimal("45000"), currency="KRW")
    fee = Fee.objects.get(kind="commission", cause_type="order_line")
    assert (fee.company_id, fee.amount, fee.currency) == (seller.pk, Decimal(3600), "KRW")  # 8 % storefront
    channel = paid_order(seller, total=Decimal("100.00"), source="channel", channel="amazon")
    assert Fee.objects.get(cause_id=channel.lines.get().pk, kind="commission").amount == Decimal("3.00")
    refund_grant(order=order, amount=Money(Decimal(45000), "KRW"), reason="Lost parcel", actor=OperatorFactory())
    fee.refresh_from_db()
    assert fee.status == Fee.Status.REVERSED
    # Reversing twice is a no-op: the reversal runs only on charged fees.
    assert refund_commission_reverse(refund=order.refunds.get()) == 0


def test_a_partial_refund_without_a_return_keeps_the_commission():
    seller = company_with_owner()
    order = paid_order(seller, total=Decimal("100.00"))
    refund_grant(order=order, amount=Money(Decimal("10.00"), "USD"), reason="Goodwill")
    assert Fee.objects.get(kind="commission").status == Fee.Status.CHARGED


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_fees_never_cover_a_cent_beyond_the_budget():
    p = programme(budget=Decimal("1000.00"), per_company_cap=Decimal("1000.00"))
    SupportProgramme.objects.filter(pk=p.pk).update(spent=Decimal("996.55"))  # 3.45 left
    companies = [company_with_owner() for _ in range(4)]
    barrier = threading.Barrier(20)
    errors = []

    def work(i):
        try:
            barrier.wait()
            charge(companies[i % 4], "1.00", cause_id=i)  # each wants 0.70
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    p.refresh_from_db()
    covered = FeeSplit.objects.filter(programme=p).aggregate(total=Sum("programme_amount"))["total"]
    assert p.spent == p.budget  # used up to the cent, not beyond
    assert covered == Decimal("3.45")
    assert Fee.objects.count() == 20
    for fee in Fee.objects.all():
        assert_exact(fee)
    assert sum(row.spent for row in ProgrammeCompany.objects.filter(programme=p)) == covered
