"""The admin index's dashboard: what is waiting for whom, each count a link to the list it
counts, and three charts. It spans every app, so it lives beside the admin site in config.
Every figure is an aggregate query: the number of queries does not grow with the data."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone

from brands.models import Brand, Company
from config.queues import (
    DECLARATIONS_HELD,
    INBOUND_TO_INSPECT,
    ORDERS_TO_FULFIL,
    REFUNDS_GRANTED,
    RETURNS_TO_APPROVE,
    TERMS_INVOICES_OVERDUE,
)
from core.errors import ApplicationError
from core.models import Job
from core.money import Money
from core.selectors import exchange_rates_get
from integrations.models import ChannelListing, SyndicationJob
from logistics.models import CustomsDeclaration, InboundShipment, Stock
from logistics.selectors import low_stock
from marketplace.desk_selectors import ORDER_TO_SHIP, orders_to_ship
from marketplace.models import Order, OrderLine, Payout, Refund, ReturnRequest, SupportProgramme, TermsInvoice
from marketplace.services.statements import statement_get

L = ChannelListing.Status
# Sales that count in the chart: paid and not given back.
SOLD = [Order.Status.PAID, Order.Status.PARTIALLY_FULFILLED, Order.Status.FULFILLED, Order.Status.COMPLETED]


@dataclass
class Queue:
    label: str
    count: int
    url: str


@dataclass
class Section:
    title: str
    queues: list[Queue] = field(default_factory=list)


@dataclass
class RunningJob:
    label: str
    percent: int | None
    url: str


@dataclass
class Dashboard:
    sections: list[Section]
    charts: list[dict]
    running: list[RunningJob] = field(default_factory=list)
    statements: list[dict] = field(default_factory=list)


def changelist(model, **filters) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def operator_dashboard(*, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    # The queues with a due time come from config/queues.py, which the daily digest reads too.
    orders = Order.objects.aggregate(
        paid=Count("pk", filter=ORDERS_TO_FULFIL.waiting()),
        late=Count("pk", filter=ORDERS_TO_FULFIL.overdue(now)),
    )
    inbound = InboundShipment.objects.aggregate(
        in_transit=Count("pk", filter=Q(status=InboundShipment.Status.IN_TRANSIT)),
        received=Count("pk", filter=INBOUND_TO_INSPECT.waiting()),
    )
    R = ReturnRequest.Status
    returns = ReturnRequest.objects.aggregate(
        requested=Count("pk", filter=RETURNS_TO_APPROVE.waiting()),
        receipt=Count("pk", filter=Q(status__in=[R.APPROVED, R.IN_TRANSIT])),
        inspection=Count("pk", filter=Q(status=R.RECEIVED)),
    )
    held = CustomsDeclaration.objects.filter(DECLARATIONS_HELD.waiting()).count()
    granted = Refund.objects.filter(REFUNDS_GRANTED.waiting()).count()
    overdue_on_terms = TermsInvoice.objects.filter(TERMS_INVOICES_OVERDUE.waiting()).count()
    payouts = Payout.objects.filter(status=Payout.Status.PENDING, method=Payout.Method.BANK_TRANSFER).count()
    below = Brand.objects.filter(below_minimum_since__isnull=False).count()
    syndication = SyndicationJob.objects.aggregate(
        running=Count("pk", filter=Q(job__status=Job.Status.RUNNING)),
        failed=Count("pk", filter=Q(job__status=Job.Status.FAILED, job__finished_at__gte=now - timedelta(days=1))),
    )
    running = [
        RunningJob(str(s), s.job.progress, reverse("admin:integrations_syndicationjob_change", args=[s.pk]))
        for s in SyndicationJob.objects.filter(job__status=Job.Status.RUNNING).select_related("job").order_by("pk")[:5]
    ]
    listings = ChannelListing.objects.filter(status__in=[L.ERROR, L.REJECTED])
    by_code = listings_by_issue(listings.filter(status=L.REJECTED))

    sections = [
        Section(
            "Orders and money",
            [
                Queue("Paid orders not yet fulfilled", orders["paid"], changelist(Order, status__exact="paid")),
                Queue("... paid more than 48 h ago", orders["late"], changelist(Order, waiting="over_48h")),
                Queue("Refunds granted, not executed", granted, changelist(Refund, status__exact="granted")),
                Queue("Invoices on net terms overdue", overdue_on_terms, changelist(TermsInvoice, overdue="yes")),
                Queue(
                    "Payouts awaiting confirmation",
                    payouts,
                    changelist(Payout, status__exact="pending", method__exact="bank_transfer"),
                ),
            ],
        ),
        Section(
            "Warehouses and customs",
            [
                Queue(
                    "Inbound shipments in transit",
                    inbound["in_transit"],
                    changelist(InboundShipment, status__exact="in_transit"),
                ),
                Queue(
                    "Inbound shipments awaiting inspection",
                    inbound["received"],
                    changelist(InboundShipment, status__exact="received"),
                ),
                Queue("Declarations held", held, changelist(CustomsDeclaration, status__exact="held")),
                Queue(
                    "Return requests to approve",
                    returns["requested"],
                    changelist(ReturnRequest, status__exact="requested"),
                ),
                Queue(
                    "Returns awaiting receipt",
                    returns["receipt"],
                    changelist(ReturnRequest, status__in="approved,in_transit"),
                ),
                Queue(
                    "Returns awaiting inspection",
                    returns["inspection"],
                    changelist(ReturnRequest, status__exact="received"),
                ),
            ],
        ),
        Section(
            "Channels and brands",
            [
                Queue(
                    "Channel listings in error",
                    listings.filter(status=L.ERROR).count(),
                    changelist(ChannelListing, status__exact="error"),
                ),
                *(
                    Queue(f"Rejected: {code}", n, changelist(ChannelListing, status__exact="rejected", issue=code))
                    for code, n in by_code
                ),
                Queue(
                    "Syndication jobs running",
                    syndication["running"],
                    changelist(SyndicationJob, job__status__exact="running"),
                ),
                Queue(
                    "Syndication jobs failed in the last day",
                    syndication["failed"],
                    changelist(SyndicationJob, job__status__exact="failed", finished="day"),
                ),
                Queue(
                    "Brands below their minimum members",
                    below,
                    changelist(Brand, below_minimum_since__isnull="False"),
                ),
            ],
        ),
    ]
    charts = [
        sales_chart(OrderLine.objects.all(), now),
        programmes_chart(),
        listings_chart(ChannelListing.objects.all()),
    ]
    return Dashboard(sections=sections, charts=charts, running=running)


def company_dashboard(*, company_ids: list[int], now: datetime | None = None) -> Dashboard:
    """What SME staff see: their lines to ship, their products a channel's readiness blocks,
    their low stock and this month's statement so far."""
    now = now or timezone.now()
    lines = OrderLine.objects.filter(seller__in=company_ids)
    to_ship = lines.filter(order__status__in=ORDER_TO_SHIP, quantity_fulfilled__lt=F("quantity")).count()
    orders = Order.objects.filter(orders_to_ship(company_ids)).count()
    listings = ChannelListing.objects.filter(product__company__in=company_ids)
    low = Stock.objects.filter(variant__product__company__in=company_ids).filter(low_stock()).count()
    sections = [
        Section(
            "Your orders and stock",
            [
                Queue(
                    f"Orders with lines to ship ({to_ship} line{'' if to_ship == 1 else 's'})",
                    orders,
                    changelist(Order, waiting="to_ship"),
                ),
                Queue("Stock rows low or out", low, changelist(Stock, available="low")),
            ],
        ),
        Section(
            "Products blocked from a channel, by issue",
            [
                Queue(code, n, changelist(ChannelListing, ready__exact="0", issue=code))
                for code, n in listings_by_issue(listings.filter(ready=False))
            ],
        ),
    ]
    period = f"{timezone.localtime(now):%Y-%m}"
    statements = []
    for company in Company.objects.filter(pk__in=company_ids).order_by("pk"):
        try:
            statement = statement_get(company=company, period=period)
        except ApplicationError as error:  # e.g. no exchange rate for a currency sold in
            statements.append({"company": company.legal_name, "period": period, "problem": error.detail})
            continue
        statements.append({**statement, "company": company.legal_name})
    charts = [sales_chart(lines, now), listings_chart(listings)]
    return Dashboard(sections=sections, charts=charts, statements=statements)


def listings_by_issue(listings) -> list[tuple[str, int]]:
    """(issue code, listings) from one grouped query over the stored ",code,code," strings."""
    counts: dict[str, int] = {}
    for codes, n in listings.order_by().values_list("blocking_codes").annotate(n=Count("pk")):
        for code in filter(None, codes.split(",")):
            counts[code] = counts.get(code, 0) + n
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def month_starts(now: datetime, months: int = 12) -> list[date]:
    first = timezone.localtime(now).date().replace(day=1)
    starts = [first]
    while len(starts) < months:
        previous = starts[-1] - timedelta(days=1)
        starts.append(previous.replace(day=1))
    return starts[::-1]


def sales_chart(lines, now: datetime) -> dict:
    """Sales per month of the last 12 by brand, in the settlement currency at today's rates."""
    months = month_starts(now)
    start = timezone.make_aware(datetime.combine(months[0], datetime.min.time()))
    rows = (
        lines.filter(order__status__in=SOLD, order__paid_at__gte=start)
        .annotate(month=TruncMonth("order__paid_at"))
        .order_by()
        .values_list("month", "variant__product__brand__name", "order__currency")
        .annotate(total=Sum("total"))
    )
    currency = settings.SETTLEMENT_CURRENCY
    rates = exchange_rates_get()
    totals: dict[str, dict[date, Decimal]] = {}
    for month, brand, sold_in, total in rows:
        converted = rates.convert(Money(total, sold_in), currency).amount if rates.converts(sold_in, currency) else 0
        by_month = totals.setdefault(brand or "Independent SMEs", {})
        key = timezone.localtime(month).date() if isinstance(month, datetime) else month
        by_month[key] = by_month.get(key, Decimal(0)) + converted
    return {
        "id": "chart-sales",
        "title": f"Sales per month by brand ({currency})",
        "type": "bar",
        "stacked": True,
        "labels": [f"{m:%Y-%m}" for m in months],
        "datasets": [
            {"label": brand, "data": [str(by_month.get(m, 0)) for m in months]}
            for brand, by_month in sorted(totals.items())
        ],
    }


def programmes_chart() -> dict:
    """Each active programme's budget: spent and remaining, in the settlement currency."""
    currency = settings.SETTLEMENT_CURRENCY
    rates = exchange_rates_get()
    programmes = list(
        SupportProgramme.objects.filter(is_active=True).values_list("name", "budget", "spent", "currency")
    )

    def converted(amount, from_currency) -> str:
        return str(rates.convert(Money(amount, from_currency), currency).amount)

    return {
        "id": "chart-programmes",
        "title": f"Support programmes: budget spent and remaining ({currency})",
        "type": "bar",
        "stacked": True,
        "horizontal": True,
        "labels": [name for name, *_ in programmes],
        "datasets": [
            {"label": "spent", "data": [converted(spent, c) for _, _, spent, c in programmes]},
            {"label": "remaining", "data": [converted(budget - spent, c) for _, budget, spent, c in programmes]},
        ],
    }


def listings_chart(listings) -> dict:
    """Live, rejected and error listings per channel."""
    shown = [L.LIVE, L.REJECTED, L.ERROR]
    rows = listings.filter(status__in=shown).order_by().values_list("channel__name", "status").annotate(n=Count("pk"))
    counts = {(channel, status): n for channel, status, n in rows}
    channels = sorted({channel for channel, _ in counts})
    return {
        "id": "chart-listings",
        "title": "Channel listings: live, rejected, error",
        "type": "bar",
        "stacked": False,
        "labels": channels,
        "datasets": [
            {"label": status.label, "data": [counts.get((c, status.value), 0) for c in channels]} for status in shown
        ],
    }
