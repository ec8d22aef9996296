"""Demo data, settlement part: the support programmes of the reference report's annex tables, in
the platform's terms. A logistics co-financing programme (70 % of fulfilment, syndication and
storage fees, for Hanji Living's SME members, with a yearly budget and a cap per SME), the
Export Voucher (an SME picks the services it needs up to its voucher's value) with one voucher
issued to Icheon Ceramics, a 2 % brand fund for Hanji Living, payout accounts, the fees of what
logistics did (`fees_accrue`), last month's syndication fees for Hanji Living's published
products on two channels (charged through `fee_charge`, as the integrations app does once its
jobs run), and a settlement run of last month with its statements.

Everything goes through marketplace services, so splits, budgets and statements are real.
Idempotent: programmes are found by name, the voucher by programme and company, fees by their
cause (charging a cause again returns the first fee), statements by company and month."""

from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from brands.models import Brand
from core.money import Money
from listings.models import Product
from marketplace.models import BrandFund, Fee, FeeKind, PayoutAccount, Statement, SupportProgramme, Voucher
from marketplace.services.fee_accrual import fees_accrue
from marketplace.services.fees import fee_charge
from marketplace.services.programmes import programme_create, voucher_issue
from marketplace.services.settlement import payout_account_set, settlement_run
from marketplace.services.statements import previous_period

LOGISTICS_PROGRAMME = {
    "name": "Overseas logistics co-financing (Hanji Living)",
    "sponsor": "Korea SMEs and Startups Agency (KOSME)",
    "currency": "KRW",
    "budget": Decimal(50_000_000),
    "per_company_cap": Decimal(2_000_000),
    "share": Decimal("0.7"),
    "fee_kinds": [FeeKind.FULFILMENT, FeeKind.SYNDICATION, FeeKind.STORAGE],
    "sme_only": True,
    "priority": 20,
}
EXPORT_VOUCHER = {
    "name": "Export Voucher",
    "sponsor": "Ministry of SMEs and Startups (MSS) and KOTRA",
    "currency": "KRW",
    "budget": Decimal(300_000_000),
    "per_company_cap": Decimal(30_000_000),
    "share": Decimal("0.7"),
    "fee_kinds": [FeeKind.INSPECTION, FeeKind.REPACKAGING, FeeKind.CUSTOMS_BROKERAGE, FeeKind.TRANSLATION],
    "sme_only": True,
    "priority": 10,
    # The catalogue's services (marketplace.voucher_demo): the SME co-pays 20 % in its first year,
    # 50 % in its second, as the annex's Export Incubator rule has it.
    "covers_services": True,
    "year_shares": ["0.8", "0.5"],
    "max_per_company_year": Decimal(30_000_000),
}
VOUCHER = {"company": "icheon-ceramics", "amount": Decimal(3_000_000), "fee_kinds": EXPORT_VOUCHER["fee_kinds"][:3]}
PAYOUT_ACCOUNTS = [
    ("hanji-living", "acct_1DemoHanjiLiving", ""),
    ("icheon-ceramics", "", "Industrial Bank of Korea 012-345678-01-011"),
]
CHANNELS = ["amazon", "kmall24"]


class SettlementDemo:
    def __init__(self, tally: Counter):
        self.tally = tally

    def count(self, kind: str, created: bool) -> None:
        self.tally[kind, "created" if created else "existing"] += 1

    def load(self, context: dict) -> dict:
        companies = {slug: pair[0] for slug, pair in context["companies"].items()}
        operator = context["operator"]
        brand = Brand.objects.get(name="Hanji Living")
        fund = BrandFund.objects.filter(brand=brand).first()
        self.count("brand funds", fund is None)
        if fund is None:
            BrandFund.objects.create(brand=brand, rate=Decimal("0.02"))
        year = timezone.localdate().year
        logistics = self.load_programme({**LOGISTICS_PROGRAMME, "brand": brand}, year, operator)
        export_voucher = self.load_programme(EXPORT_VOUCHER, year, operator)
        voucher = self.load_voucher(export_voucher, companies[VOUCHER["company"]], year, operator)
        for slug, account, bank in PAYOUT_ACCOUNTS:
            exists = PayoutAccount.objects.filter(company=companies[slug]).exists()
            self.count("payout accounts", not exists)
            if not exists:
                payout_account_set(
                    company=companies[slug], currency="KRW", stripe_account_id=account, bank_details=bank
                )
        before = Fee.objects.count()
        fees_accrue()
        period = previous_period()
        self.load_syndication_fees(brand, period)
        self.tally["fees", "created"] += Fee.objects.count() - before
        statements = Statement.objects.filter(period=period).count()
        settlement_run(period=period)
        self.tally["statements", "created"] += Statement.objects.filter(period=period).count() - statements
        return {"programmes": [logistics, export_voucher], "voucher": voucher, "settled_period": period}

    def load_programme(self, spec: dict, year: int, operator) -> SupportProgramme:
        programme = SupportProgramme.objects.filter(name=f"{spec['name']} {year}").first()
        self.count("support programmes", programme is None)
        if programme is None:
            programme = programme_create(
                actor=operator,
                **{**spec, "name": f"{spec['name']} {year}"},
                starts_on=date(year, 1, 1),
                ends_on=date(year, 12, 31),
            )
        return programme

    def load_voucher(self, programme: SupportProgramme, company, year: int, operator) -> Voucher:
        voucher = Voucher.objects.filter(programme=programme, company=company).first()
        self.count("vouchers", voucher is None)
        if voucher is None:
            voucher = voucher_issue(
                programme=programme,
                company=company,
                amount=Money(VOUCHER["amount"], programme.currency),
                fee_kinds=list(VOUCHER["fee_kinds"]),
                expires_on=date(year, 12, 31),
                actor=operator,
            )
        return voucher

    def load_syndication_fees(self, brand: Brand, period: str) -> None:
        """A month of listings on two channels for the brand's published products, charged on
        the month's last day."""
        year, month = (int(part) for part in period.split("-"))
        last_day = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        when = timezone.make_aware(datetime.combine(last_day, time(23, 0)))
        products = Product.objects.filter(brand=brand, status=Product.Status.PUBLISHED).select_related("company")
        for product in products.order_by("pk"):
            for channel in CHANNELS:
                fee_charge(
                    company=product.company,
                    kind=FeeKind.SYNDICATION,
                    cause_type=f"listing:{channel}",
                    cause_id=product.pk,
                    period=period,
                    currency="KRW",
                    charged_at=when,
                )
