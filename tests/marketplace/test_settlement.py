"""Settlement: what an SME earns, statements (JSON and PDF), payouts paid once, whatever is rerun."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from core.errors import InvalidInput
from core.money import Money
from logistics.models import StorageAllotment
from marketplace.models import BrandFund, Fee, Order, Payout, PayoutAccount, ReturnRequest, Statement
from marketplace.payments import payment_gateway
from marketplace.services.fee_accrual import fees_accrue
from marketplace.services.fees import fee_charge
from marketplace.services.refunds import refund_grant
from marketplace.services.settlement import company_settle, settlement_run
from marketplace.services.statements import statement_as_dict, statement_compute
from marketplace.statement_pdf import statement_pdf
from tests.factories import OperatorFactory, active_brand, company_with_owner, owner_of, product
from tests.marketplace.settlement_helpers import paid_order, programme

pytestmark = pytest.mark.django_db


def this_period() -> str:
    today = timezone.localdate()
    return f"{today.year:04d}-{today.month:02d}"


def next_month():
    today = timezone.localdate()
    first = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    return timezone.make_aware(timezone.datetime(first.year, first.month, first.day))


def seller_month(*, stripe_account: str = ""):
    """A brand member's month in USD: a 100.00 sale (8.00 commission, 2 % to the brand fund), a
    20.00 refund for a defective unit, a 3.50 fulfilment fee of which a programme pays 70 %."""
    brand = active_brand(members=4)
    seller = brand.memberships.filter(role="member").order_by("pk").first().company
    BrandFund.objects.create(brand=brand, rate=Decimal("0.02"))
    PayoutAccount.objects.create(company=seller, currency="USD", stripe_account_id=stripe_account)
    programme(fee_kinds=["fulfilment"])
    order = paid_order(seller, total=Decimal("100.00"), item=product(seller, brand=brand, with_image=False))
    request = ReturnRequest.objects.create(order_line=order.lines.get(), quantity=1, reason="defective")
    refund_grant(order=order, amount=Money(Decimal("20.00"), "USD"), reason="Defective", return_request_id=request.pk)
    fee_charge(company=seller, kind="fulfilment", cause_type="shipment", cause_id=1)
    return seller


def test_the_statement_counts_sales_commission_fees_brand_fund_and_chargebacks_once():
    seller = seller_month()
    figures = statement_compute(company=seller, period=this_period())
    assert figures.currency == "USD"
    assert figures.sales == Decimal("100.00")
    assert figures.commission == Decimal("8.00")
    assert figures.fees == Decimal("1.05")  # 3.50 less the programme's 2.45
    assert figures.programme_covered == Decimal("2.45")
    assert figures.brand_fund == Decimal("1.60")  # 2 % of the sale, less 2 % of the 20.00 charged back
    assert figures.chargebacks == Decimal("20.00") and figures.refunds == 0
    assert figures.net == Decimal("69.35")
    assert [line["type"] for line in figures.lines] == ["sale", "chargeback", "fee", "fee"]
    # Another month has none of it.
    assert statement_compute(company=seller, period="2020-01").net == 0


def test_settling_the_month_pays_the_members_contribution_into_the_brand_fund_once():
    seller = seller_month()
    period = this_period()
    company_settle(company=seller, period=period)
    company_settle(company=seller, period=period)  # a rerun settles nothing twice
    fund = BrandFund.objects.get(brand__memberships__company=seller)
    # The statement's 1.60 USD at 1,380 KRW per USD, in the fund's KRW (no minor units).
    assert (fund.balance, fund.held) == (Decimal(2208), Decimal(0))
    entries = [(e.kind, e.amount, e.statement.period) for e in fund.entries.all()]
    assert entries == [("contribution", Decimal(2208), period)]


def test_a_settlement_run_pays_once_by_bank_and_an_operator_confirms_it(api):
    seller = seller_month()
    period = this_period()
    with pytest.raises(InvalidInput) as error:
        settlement_run(period=period)  # the month has not ended
    assert error.value.attr == "period"
    first = settlement_run(period=period, now=next_month())
    assert (first["statements"], first["payouts"], first["transfers"]) == (1, 1, 0)
    again = settlement_run(period=period, now=next_month())
    assert (again["statements"], again["payouts"]) == (0, 0)
    payout = Payout.objects.get()
    assert (payout.company_id, payout.amount, payout.currency, payout.method, payout.status) == (
        seller.pk,
        Decimal("69.35"),
        "USD",
        "bank_transfer",
        "pending",
    )
    api.as_user(owner_of(seller))
    assert api.post(f"/api/v1/payouts/{payout.pk}/confirm/", {}).status_code == 403
    api.as_user(OperatorFactory())
    confirmed = api.post(f"/api/v1/payouts/{payout.pk}/confirm/", {"reference": "KB-20261201-1"})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "paid"
    assert api.post(f"/api/v1/payouts/{payout.pk}/confirm/", {}).status_code == 409
    assert Statement.objects.get().net == Decimal("69.35")


def test_stripe_connect_pays_once_even_when_a_worker_died_after_stripe_answered(stripe_gateway):
    seller = seller_month(stripe_account="acct_1SeoulLamps")
    period = this_period()
    statement, payout = company_settle(company=seller, period=period)
    # A worker sent the transfer and died before recording it.
    lost = payment_gateway().transfer_create(
        amount=Money(payout.amount, payout.currency),
        destination=payout.destination,
        idempotency_key=payout.idempotency_key,
        metadata={},
    )
    counts = settlement_run(period=period, now=next_month())
    assert counts["transfers"] == 1
    payout.refresh_from_db()
    assert payout.status == "paid" and payout.transfer_id == lost
    settlement_run(period=period, now=next_month())
    transfers = stripe_gateway.transfers_created()
    assert len(transfers) == 2  # the lost call and its retry, nothing after the payout was recorded
    assert {t["idempotency_key"] for t in transfers} == {f"payout:{seller.pk}:{period}"}
    assert transfers[0]["params"]["amount"] == "6935" and transfers[0]["params"]["destination"] == "acct_1SeoulLamps"
    assert Payout.objects.count() == 1


def test_nothing_earned_means_a_statement_and_no_payout():
    company = company_with_owner()
    fee_charge(company=company, kind="fulfilment", cause_type="shipment", cause_id=9)
    statement, payout = company_settle(company=company, period=this_period())
    assert payout is None and statement.net == Decimal(-4830)  # 3.50 USD in won, owed by the company
    assert not Payout.objects.exists()


def test_storage_is_charged_per_m3_per_closed_month_once():
    from logistics.models import Warehouse, Zone

    company = company_with_owner()
    zone = Zone.objects.create(code="kr-test", name="Korea", countries=["KR"])
    hub = Warehouse.objects.create(
        code="hub", name="Hub", kind="consolidation", country="KR", zone=zone, capacity_m3=100, address="Incheon"
    )
    StorageAllotment.objects.create(
        company=company, warehouse=hub, volume_m3=60, starts_on=date(2026, 1, 15), ends_on=date(2026, 4, 1)
    )
    assert fees_accrue(today=date(2026, 3, 10)) == {"storage": 2}  # January and February have ended
    assert fees_accrue(today=date(2026, 3, 20)) == {}
    assert fees_accrue(today=date(2026, 6, 1)) == {"storage": 1}
    fees = Fee.objects.filter(kind="storage").order_by("period")
    assert [(f.period, f.quantity, f.amount) for f in fees] == [
        ("2026-01", 60, Decimal("720.00")),
        ("2026-02", 60, Decimal("720.00")),
        ("2026-03", 60, Decimal("720.00")),
    ]


def test_statement_api_json_and_pdf_for_its_staff_only(api):
    seller = seller_month()
    period = this_period()
    api.as_user(owner_of(seller))
    draft = api.get(f"/api/v1/companies/{seller.pk}/statements/{period}/")
    assert draft.status_code == 200, draft.content
    body = draft.json()
    assert body["status"] == "draft" and body["net"] == {"amount": "69.35", "currency": "USD"}
    company_settle(company=seller, period=period)
    settled = api.get(f"/api/v1/companies/{seller.pk}/statements/{period}/").json()
    assert settled["status"] == "settled" and settled["net"] == body["net"]
    listed = api.get(f"/api/v1/companies/{seller.pk}/statements/").json()
    assert [row["period"] for row in listed["results"]] == [period]
    for response in (
        api.get(f"/api/v1/companies/{seller.pk}/statements/{period}/?format=pdf"),
        api.get(f"/api/v1/companies/{seller.pk}/statements/{period}/", HTTP_ACCEPT="application/pdf"),
    ):
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
        assert f"Statement {period}" in text and "69.35" in text and "Brand fund" in text
    assert api.get(f"/api/v1/companies/{seller.pk}/statements/2026-13/").status_code == 400
    api.as_user(owner_of(company_with_owner()))
    assert api.get(f"/api/v1/companies/{seller.pk}/statements/{period}/").status_code == 404
    assert api.get(f"/api/v1/companies/{seller.pk}/statements/{period}/?format=pdf").status_code == 404


def test_company_fees_show_each_part_and_queries_do_not_grow_with_page_size(api):
    company = company_with_owner()
    first, second = programme(priority=1, share=Decimal("0.2")), programme(priority=2)
    for i in range(12):
        fee_charge(company=company, kind="fulfilment", cause_type="shipment", cause_id=i)
    api.as_user(owner_of(company))
    counts = []
    for size in (2, 12):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(f"/api/v1/companies/{company.pk}/fees/?page_size={size}")
        assert response.status_code == 200 and len(response.json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
    fee = response.json()["results"][0]
    assert fee["amount"] == {"amount": "3.50", "currency": "USD"}
    assert fee["company_part"] == {"amount": "0.35", "currency": "USD"}  # 0.70 first, 2.45 second
    assert [(p["programme"], p["amount"]["amount"]) for p in fee["programme_parts"]] == [
        (first.pk, "0.70"),
        (second.pk, "2.45"),
    ]


def test_payout_list_is_scoped_and_its_queries_do_not_grow(api):
    companies = [company_with_owner() for _ in range(6)]
    for company in companies:
        paid_order(company, total=Decimal("50.00"))
    period = this_period()
    settlement_run(period=period, now=next_month())
    assert Payout.objects.count() == 6
    api.as_user(OperatorFactory())
    counts = []
    for size in (1, 6):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(f"/api/v1/payouts/?page_size={size}")
        assert len(response.json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
    api.as_user(owner_of(companies[0]))
    mine = api.get("/api/v1/payouts/").json()["results"]
    assert [p["company"] for p in mine] == [companies[0].pk]
    other = Payout.objects.exclude(company=companies[0]).first()
    assert api.get(f"/api/v1/payouts/{other.pk}/").status_code == 404
    # 50.00 USD less 8 % commission, in won (the default settlement currency) at 1380.
    assert mine[0]["amount"] == {"amount": "63480", "currency": "KRW"}


def test_programme_report_gives_spend_by_kind_remaining_budget_and_assisted_companies(api):
    p = programme(budget=Decimal("100"), per_company_cap=Decimal("50"), fee_kinds=["fulfilment", "inspection"])
    a, b = company_with_owner(), company_with_owner()
    fee_charge(company=a, kind="fulfilment", cause_type="shipment", cause_id=1)  # 2.45
    fee_charge(company=b, kind="inspection", cause_type="inbound_line", cause_id=1, quantity=Decimal(10))  # 2.10
    api.as_user(OperatorFactory())
    voucher = {
        "company": b.pk,
        "amount": {"amount": "10.00", "currency": "USD"},
        "fee_kinds": ["inspection"],
        "expires_on": str(timezone.localdate() + timedelta(days=30)),
    }
    response = api.post(f"/api/v1/programmes/{p.pk}/vouchers/", voucher, HTTP_IDEMPOTENCY_KEY="v-1")
    assert response.status_code == 201, response.content
    repeat = api.post(f"/api/v1/programmes/{p.pk}/vouchers/", voucher, HTTP_IDEMPOTENCY_KEY="v-1")
    assert repeat.json()["id"] == response.json()["id"] and p.vouchers.count() == 1
    assert response.json()["balance"] == {"amount": "10.00", "currency": "USD"}
    report = api.get(f"/api/v1/programmes/{p.pk}/report/").json()
    assert report["covered"] == {"amount": "4.55", "currency": "USD"}
    assert report["committed"] == {"amount": "14.55", "currency": "USD"}
    assert report["remaining"] == {"amount": "85.45", "currency": "USD"}
    assert report["assisted_companies"] == 2
    assert report["by_fee_kind"] == [
        {"kind": "fulfilment", "spend": {"amount": "2.45", "currency": "USD"}},
        {"kind": "inspection", "spend": {"amount": "2.10", "currency": "USD"}},
    ]
    (month,) = report["by_month"]
    assert month["month"] == this_period() and month["assisted_companies"] == 2
    assert month["spend"] == {"amount": "4.55", "currency": "USD"}
    assert report["by_year"][0]["year"] == this_period()[:4]
    assert report["vouchers"]["count"] == 1


@pytest.mark.parametrize(
    ("change", "attr"),
    [
        ({"share": "1.5"}, "share"),
        ({"fee_kinds": ["massage"]}, "fee_kinds"),
        ({"budget": {"amount": 100.5, "currency": "USD"}}, "budget"),
        ({"per_company_cap": {"amount": "10", "currency": "USD"}}, "per_company_cap"),
        ({"per_company_cap": {"amount": "2000000", "currency": "KRW"}}, "per_company_cap"),
        ({"ends_on": "2020-01-01"}, "ends_on"),
        ({"spent": {"amount": "0", "currency": "USD"}}, "spent"),
        ({"export_stages": ["moon"]}, "export_stages"),
        ({"brand": 999999}, "brand"),
    ],
)
def test_bad_programme_input_is_a_400_naming_the_field(api, change, attr):
    api.as_user(OperatorFactory())
    body = {
        "name": "Export Voucher 2026",
        "sponsor": "MSS",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "budget": {"amount": "1000000", "currency": "KRW"},
        "per_company_cap": {"amount": "100000", "currency": "KRW"},
        "share": "0.7",
        "fee_kinds": ["fulfilment"],
        **change,
    }
    response = api.post("/api/v1/programmes/", body)
    assert response.status_code == 400, response.content
    assert attr in {error["attr"].split(".")[0] for error in response.json()["errors"]}
    assert not Fee.objects.exists()


def test_programme_create_and_bad_voucher_input(api):
    api.as_user(OperatorFactory())
    created = api.post(
        "/api/v1/programmes/",
        {
            "name": "Overseas logistics co-financing",
            "sponsor": "KOTRA",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "budget": {"amount": "50000000", "currency": "KRW"},
            "per_company_cap": {"amount": "5000000", "currency": "KRW"},
            "share": "0.7",
            "fee_kinds": ["fulfilment", "syndication"],
            "countries": ["KR"],
        },
    )
    assert created.status_code == 201, created.content
    assert created.json()["remaining"] == {"amount": "50000000", "currency": "KRW"}
    pk = created.json()["id"]
    for body, attr in [
        ({"company": 999999, "amount": {"amount": "1000", "currency": "KRW"}}, "company"),
        ({"company": company_with_owner().pk, "amount": {"amount": "10.5", "currency": "KRW"}}, "amount"),
        ({"company": company_with_owner().pk, "amount": {"amount": "1000", "currency": "KRW"}, "extra": 1}, "extra"),
    ]:
        response = api.post(
            f"/api/v1/programmes/{pk}/vouchers/",
            {"fee_kinds": ["fulfilment"], "expires_on": "2026-12-01", **body},
        )
        assert response.status_code == 400, response.content
        assert attr in {error["attr"] for error in response.json()["errors"]}


def test_a_fee_dated_into_a_settled_month_goes_on_the_next_statement():
    company = company_with_owner()
    company_settle(company=company, period="2026-01")
    when = timezone.make_aware(timezone.datetime(2026, 1, 31, 23))
    late = fee_charge(company=company, kind="syndication", cause_type="listing:amazon", cause_id=1, charged_at=when)
    assert late.charged_at > when
    february = timezone.make_aware(timezone.datetime(2026, 2, 28, 23))
    open_month = fee_charge(
        company=company, kind="syndication", cause_type="listing:amazon", cause_id=2, charged_at=february
    )
    assert open_month.charged_at == february


def test_the_run_is_a_job_operators_watch_and_a_cancel_stops_it_between_companies(api, monkeypatch):
    from core.models import Job
    from core.services import job_cancel
    from marketplace.services import settlement
    from marketplace.services.settlement import SETTLEMENT_RUN, settlement_run_as_job
    from marketplace.services.statements import previous_period

    sellers = [company_with_owner() for _ in range(2)]
    for seller in sellers:
        paid_order(seller, total=Decimal("50.00"))
    Order.objects.update(paid_at=timezone.now().replace(day=1) - timedelta(days=2))
    real_settle = settlement.company_settle

    def settle_then_cancel(**kwargs):
        result = real_settle(**kwargs)
        job_cancel(job=Job.objects.get(kind=SETTLEMENT_RUN, status=Job.Status.RUNNING))
        return result

    monkeypatch.setattr(settlement, "company_settle", settle_then_cancel)
    cancelled = settlement_run_as_job(period=previous_period())
    assert cancelled.status == Job.Status.CANCELLED and Statement.objects.count() == 1

    monkeypatch.setattr(settlement, "company_settle", real_settle)
    job = settlement_run_as_job(period=previous_period())
    assert job.pk != cancelled.pk and job.status == Job.Status.SUCCEEDED
    assert (job.processed, job.total, job.counts["statements"]) == (2, 2, 1)
    assert Statement.objects.count() == 2
    shown = api.as_user(OperatorFactory()).get(f"/api/v1/jobs/{job.pk}/").json()
    assert (shown["kind"], shown["status"], shown["progress"]) == (SETTLEMENT_RUN, "succeeded", 100)
    assert api.as_user(owner_of(sellers[0])).get(f"/api/v1/jobs/{job.pk}/").status_code == 404


def test_a_month_that_ends_owing_is_recovered_from_the_next_payout():
    """January: only a fee, so the company owes 3.50. February: a 100.00 sale; its payout is what
    February earned less January's balance, shown as a line, in the statement and the PDF."""
    company = company_with_owner()
    PayoutAccount.objects.create(company=company, currency="USD")
    january = timezone.make_aware(timezone.datetime(2026, 1, 15))
    fee_charge(company=company, kind="fulfilment", cause_type="shipment", cause_id=7, charged_at=january)
    owed, payout = company_settle(company=company, period="2026-01")
    assert (owed.net, owed.carried_in, payout) == (Decimal("-3.50"), 0, None)

    paid_order(company, total=Decimal("100.00"))
    Order.objects.update(paid_at=timezone.make_aware(timezone.datetime(2026, 2, 10)))
    february, payout = company_settle(company=company, period="2026-02")
    assert february.carried_in == Decimal("-3.50")
    assert february.net == Decimal("100.00") - february.commission - Decimal("3.50") == payout.amount
    assert february.lines[-1] == {
        "type": "carried_in",
        "period": "2026-01",
        "original": {"amount": "-3.50", "currency": "USD"},
        "amount": "-3.50",
    }
    text = "".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(statement_pdf(company=company, statement=statement_as_dict(february)))).pages
    )
    assert "Balance brought\nforward" in text and "owed at the end of 2026-01" in text  # the column wraps
    # March has nothing owed to bring forward, and nothing is carried twice.
    assert statement_compute(company=company, period="2026-03").carried_in == 0


def test_a_refund_without_a_return_gives_back_the_brand_fund_of_its_share_of_each_line():
    """60.00 of the brand's lamp and 40.00 of an unbranded item; half the order is refunded as a
    goodwill gesture: the fund gets 2 % of 60.00, less 2 % of the lamp's 30.00 share of the refund."""
    brand = active_brand(members=4)
    seller = brand.memberships.filter(role="member").order_by("pk").first().company
    BrandFund.objects.create(brand=brand, rate=Decimal("0.02"))
    PayoutAccount.objects.create(company=seller, currency="USD")
    order = paid_order(seller, total=Decimal("100.00"), item=product(seller, brand=brand, with_image=False))
    order.lines.update(unit_price=Decimal("60.00"), total=Decimal("60.00"))
    unbranded = product(seller, with_image=False).variants.get()
    order.lines.create(
        variant=unbranded, seller=seller, sku=unbranded.sku, title="Tray", quantity=1, unit_price=40, total=40
    )
    refund_grant(order=order, amount=Money(Decimal("50.00"), "USD"), reason="Late delivery")
    figures = statement_compute(company=seller, period=this_period())
    assert (figures.sales, figures.refunds) == (Decimal("100.00"), Decimal("50.00"))
    assert figures.brand_fund == Decimal("0.60")
    assert [line["brand_fund"] for line in figures.lines if line["type"] == "refund"] == ["-0.60"]
