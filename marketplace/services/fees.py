"""Platform fees and their co-financing. `fee_charge` and `fee_reverse` are the public doors:
other apps (integrations for syndication) call them; marketplace charges commission when an
order is paid, and `fees_accrue` charges what logistics did (shipments, inspections,
repackaging, customs declarations, storage months).

A fee is split when charged: covering vouchers and programmes pay their share in priority
order (a voucher before its programme's direct cover at the same priority), never beyond the
programme's remaining budget, its per-company cap or the voucher's balance; the company pays
the rest. Shares are rounded down to the minor unit, so the company's part absorbs the
rounding and the parts sum exactly to the fee. Budgets in another currency are converted at
the day's rate, which each split records.

Locks, always in this order so concurrent charges cannot deadlock: the fee row (inserted or
selected), then programmes by pk, then vouchers by pk, then programme-company rows by pk."""

import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from brands.models import Company, Membership
from brands.selectors import company_eligibility_get
from core.errors import Conflict, InvalidInput, WrongState
from core.models import User
from core.money import Money, minor_units, quantize
from core.selectors import ExchangeRateMissing, RateTable, exchange_rates_get
from marketplace.models import (
    Fee,
    FeeKind,
    FeeRate,
    FeeSplit,
    Order,
    OrderLine,
    ProgrammeCompany,
    Refund,
    Statement,
    SupportProgramme,
    Voucher,
)

logger = logging.getLogger(__name__)
ZERO = Decimal(0)
OS = Order.Status
# Orders whose sales count: paid and not cancelled or refunded in full.
COMMISSIONED = [OS.PAID, OS.PARTIALLY_FULFILLED, OS.FULFILLED, OS.COMPLETED]


class FeeRateMissing(InvalidInput):
    code = "fee_rate_missing"


def _floor(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_DOWN)


def fee_rate_get(*, kind: str, scope: str = "", on: date | None = None) -> FeeRate:
    """The rate in force: the most specific scope first (`channel:amazon`, then `channel`, then
    the kind's default '')."""
    on = on or timezone.localdate()
    scopes = [scope] if scope else []
    if ":" in scope:
        scopes.append(scope.split(":", 1)[0])
    scopes.append("")
    rates = {
        rate.scope: rate
        for rate in FeeRate.objects.filter(kind=kind, scope__in=scopes, valid_from__lte=on).order_by("valid_from")
    }
    for candidate in scopes:
        if candidate in rates:
            return rates[candidate]
    raise FeeRateMissing(f"No {kind} rate is in force for {scope or 'the default scope'}.", attr="kind")


# Eligibility and sources


def programme_admits(*, programme: SupportProgramme, company: Company) -> tuple[bool, list[str]]:
    """Whether the company may be co-financed by the programme, with the reasons it may not."""
    reasons = []
    if programme.sme_only and not company_eligibility_get(company=company).eligible:
        reasons.append("The company is not an SME under the platform's rule set.")
    if programme.export_stages and company.export_stage not in programme.export_stages:
        reasons.append(f"The programme admits export stages {', '.join(programme.export_stages)}.")
    if programme.countries and str(company.country) not in programme.countries:
        reasons.append(f"The programme admits companies from {', '.join(programme.countries)}.")
    if (
        programme.brand_id
        and not Membership.objects.filter(
            brand_id=programme.brand_id, company=company, status=Membership.Status.ACTIVE
        ).exists()
    ):
        reasons.append("The programme admits active members of its brand only.")
    return not reasons, reasons


def _live_programmes(on: date):
    return SupportProgramme.objects.filter(is_active=True, starts_on__lte=on, ends_on__gte=on, spent__lt=F("budget"))


@dataclass
class _Source:
    programme: SupportProgramme
    voucher: Voucher | None


def _sources(company: Company, kind: str, on: date) -> list[_Source]:
    """Covering vouchers and programmes, locked, in paying order."""
    programmes = {p.pk: p for p in _live_programmes(on) if kind in p.fee_kinds}
    vouchers = [
        v
        for v in Voucher.objects.filter(company=company, expires_on__gte=on, spent__lt=F("amount")).order_by("pk")
        if kind in v.fee_kinds
    ]
    wanted = set(programmes) | {v.programme_id for v in vouchers}
    if not wanted:
        return []
    locked = {p.pk: p for p in SupportProgramme.objects.select_for_update().filter(pk__in=wanted).order_by("pk")}
    vouchers = list(Voucher.objects.select_for_update().filter(pk__in=[v.pk for v in vouchers]).order_by("pk"))
    sources = [_Source(locked[v.programme_id], v) for v in vouchers if locked[v.programme_id].is_active]
    for pk in programmes:
        if programme_admits(programme=locked[pk], company=company)[0]:
            sources.append(_Source(locked[pk], None))
    return sorted(sources, key=lambda s: (s.programme.priority, s.voucher is None, s.programme.pk))


def _company_rows(company: Company, programme_ids: set[int]) -> dict[int, ProgrammeCompany]:
    for pk in sorted(programme_ids):
        try:
            with transaction.atomic():
                ProgrammeCompany.objects.get_or_create(programme_id=pk, company=company)
        except IntegrityError:
            pass  # created meanwhile by a concurrent charge
    rows = ProgrammeCompany.objects.select_for_update().filter(programme_id__in=programme_ids, company=company)
    return {row.programme_id: row for row in rows.order_by("pk")}


def _split(fee: Fee, company: Company, rates: RateTable) -> None:
    on = timezone.localdate()
    sources = _sources(company, fee.kind, on)
    rows = _company_rows(company, {s.programme.pk for s in sources if s.voucher is None})
    left = fee.amount
    covered = ZERO
    for source in sources:
        if left <= 0:
            break
        programme = source.programme
        try:
            rate = rates.rate(fee.currency, programme.currency)
        except ExchangeRateMissing:
            logger.warning("no rate %s->%s; programme %s skipped", fee.currency, programme.currency, programme.pk)
            continue
        if source.voucher is not None:
            room = source.voucher.amount - source.voucher.spent
            want = left
        else:
            row = rows[programme.pk]
            room = min(programme.budget - programme.spent, programme.per_company_cap - row.spent)
            want = min(_floor(fee.amount * programme.share, fee.currency), left)
        if room <= 0 or want <= 0:
            continue
        # What the room buys in the fee's currency, rounded down so the budget is never passed.
        part = min(want, _floor(room / rate, fee.currency))
        if part <= 0:
            continue
        in_programme = min(quantize(part * rate, programme.currency), room)
        FeeSplit.objects.create(
            fee=fee,
            programme=programme,
            voucher=source.voucher,
            amount=part,
            programme_amount=in_programme,
            programme_currency=programme.currency,
            exchange_rate=rate,
        )
        if source.voucher is not None:
            source.voucher.spent += in_programme
            source.voucher.save(update_fields=["spent"])
        else:
            programme.spent += in_programme
            programme.save(update_fields=["spent"])
            rows[programme.pk].spent += in_programme
            rows[programme.pk].save(update_fields=["spent"])
        left -= part
        covered += part
    FeeSplit.objects.create(fee=fee, amount=left, programme_currency="")
    fee.company_amount = left
    fee.save(update_fields=["company_amount"])


@transaction.atomic
def fee_charge(
    *,
    company: Company,
    kind: str,
    cause_type: str,
    cause_id: int,
    period: str | None = None,
    quantity: Decimal = Decimal(1),
    amount: Money | None = None,
    base: Money | None = None,
    currency: str | None = None,
    scope: str = "",
    rates: RateTable | None = None,
    charged_at: datetime | None = None,
) -> Fee:
    """Charges a fee for a cause once; charging the same cause again returns the first fee.
    The amount is given (`amount`), or comes from the tariff: a percent rate of `base`, or a
    per-unit rate times `quantity`, converted to `currency` when asked. `charged_at` dates a fee
    for work done earlier (a month's syndication charged after the month), which decides the
    statement it falls in."""
    if kind not in FeeKind.values:
        raise InvalidInput(f"Unknown fee kind {kind!r}.", attr="kind")
    period = period or ""
    key = {"company": company, "kind": kind, "cause_type": cause_type, "cause_id": cause_id, "period": period}
    existing = Fee.objects.filter(**key).first()
    if existing is not None:
        return existing
    rates = rates or exchange_rates_get()
    tariff = None
    if amount is None:
        tariff = fee_rate_get(kind=kind, scope=scope)
        if tariff.basis == FeeRate.Basis.PERCENT:
            if base is None:
                raise InvalidInput(f"A {kind} fee is a share of an amount; give the base.", attr="base")
            amount = Money(base.amount * tariff.value, base.currency)
        else:
            amount = Money(tariff.value * quantity, tariff.currency)
    if currency and currency != amount.currency:
        amount = rates.convert(amount, currency)
    amount = amount.quantized()
    if amount.amount < 0:
        raise InvalidInput("A fee is never negative.", attr="amount")
    if charged_at is not None and charged_at < timezone.now():
        month = timezone.localtime(charged_at)
        if Statement.objects.filter(company=company, period=f"{month.year:04d}-{month.month:02d}").exists():
            charged_at = None  # that month is settled: the fee goes on the next statement
    try:
        with transaction.atomic():
            fee = Fee.objects.create(
                **key,
                quantity=quantity,
                rate=tariff,
                amount=amount.amount,
                currency=amount.currency,
                company_amount=amount.amount,
                charged_at=charged_at or timezone.now(),
            )
    except IntegrityError:
        # A concurrent charge of the same cause won; its fee is the one.
        return Fee.objects.get(**key)
    _split(fee, company, rates)
    return fee


@transaction.atomic
def fee_reverse(*, fee: Fee, reason: str) -> Fee:
    """Reverses a fee (a refund, a cancelled shipment): its splits are added again negated, and
    budgets, caps and voucher balances get back what they covered."""
    fee = Fee.objects.select_for_update().get(pk=fee.pk)
    if fee.status != Fee.Status.CHARGED:
        raise WrongState("The fee is reversed already.")
    charged = list(fee.splits.filter(is_reversal=False).order_by("pk"))
    programme_ids = {s.programme_id for s in charged if s.programme_id}
    programmes = {
        p.pk: p for p in SupportProgramme.objects.select_for_update().filter(pk__in=programme_ids).order_by("pk")
    }
    voucher_ids = [s.voucher_id for s in charged if s.voucher_id]
    vouchers = {v.pk: v for v in Voucher.objects.select_for_update().filter(pk__in=voucher_ids).order_by("pk")}
    direct = {s.programme_id for s in charged if s.programme_id and not s.voucher_id}
    rows = {
        r.programme_id: r
        for r in ProgrammeCompany.objects.select_for_update()
        .filter(programme_id__in=direct, company_id=fee.company_id)
        .order_by("pk")
    }
    for split in charged:
        FeeSplit.objects.create(
            fee=fee,
            programme_id=split.programme_id,
            voucher_id=split.voucher_id,
            amount=-split.amount,
            programme_amount=-split.programme_amount,
            programme_currency=split.programme_currency,
            exchange_rate=split.exchange_rate,
            is_reversal=True,
        )
        if split.voucher_id:
            vouchers[split.voucher_id].spent -= split.programme_amount
            vouchers[split.voucher_id].save(update_fields=["spent"])
        elif split.programme_id:
            programmes[split.programme_id].spent -= split.programme_amount
            programmes[split.programme_id].save(update_fields=["spent"])
            rows[split.programme_id].spent -= split.programme_amount
            rows[split.programme_id].save(update_fields=["spent"])
    fee.status = Fee.Status.REVERSED
    fee.reversed_at = timezone.now()
    fee.reversal_reason = reason[:300]
    fee.save(update_fields=["status", "reversed_at", "reversal_reason"])
    return fee


# Programmes and vouchers


def programme_create(*, actor: User, **fields) -> SupportProgramme:
    errors = {}
    unknown = sorted(set(fields.get("fee_kinds", [])) - set(FeeKind.values))
    if not fields.get("fee_kinds"):
        errors["fee_kinds"] = [("required", "Name at least one fee kind.")]
    elif unknown:
        errors["fee_kinds"] = [("invalid_choice", f"Unknown fee kinds: {', '.join(unknown)}.")]
    if fields["ends_on"] < fields["starts_on"]:
        errors["ends_on"] = [("invalid", "The programme ends before it starts.")]
    if fields["per_company_cap"] > fields["budget"]:
        errors["per_company_cap"] = [("invalid", "The cap per company exceeds the budget.")]
    if errors:
        raise InvalidInput("The programme is not valid.", fields=errors)
    return SupportProgramme.objects.create(**fields)


@transaction.atomic
def voucher_issue(
    *, programme: SupportProgramme, company: Company, amount: Money, fee_kinds: list[str], expires_on: date, actor
) -> Voucher:
    """Issues a voucher: its amount is set aside from the programme's budget and counts against
    the company's cap."""
    programme = SupportProgramme.objects.select_for_update().get(pk=programme.pk)
    if amount.currency != programme.currency:
        raise InvalidInput(f"Vouchers of this programme are in {programme.currency}.", attr="amount")
    if amount.amount <= 0:
        raise InvalidInput("A voucher has a positive amount.", attr="amount")
    outside = sorted(set(fee_kinds) - set(programme.fee_kinds))
    if not fee_kinds or outside:
        raise InvalidInput(
            f"A voucher covers some of the programme's fee kinds ({', '.join(programme.fee_kinds)}).", attr="fee_kinds"
        )
    if expires_on < timezone.localdate() or expires_on > programme.ends_on:
        raise InvalidInput("The voucher expires after today and within the programme's period.", attr="expires_on")
    admitted, reasons = programme_admits(programme=programme, company=company)
    if not admitted:
        raise InvalidInput(
            "The company is not eligible for this programme.",
            attr="company",
            reasons=[("not_eligible", r) for r in reasons],
        )
    row = _company_rows(company, {programme.pk})[programme.pk]
    if programme.spent + amount.amount > programme.budget:
        raise Conflict(f"Only {programme.remaining} is left in the programme's budget.", attr="amount")
    if row.spent + amount.amount > programme.per_company_cap:
        left = Money(programme.per_company_cap - row.spent, programme.currency)
        raise Conflict(f"Only {left} is left under the company's cap.", attr="amount")
    programme.spent += amount.amount
    programme.save(update_fields=["spent"])
    row.spent += amount.amount
    row.save(update_fields=["spent"])
    return Voucher.objects.create(
        programme=programme,
        company=company,
        amount=amount.amount,
        currency=amount.currency,
        fee_kinds=list(fee_kinds),
        expires_on=expires_on,
        issued_by=actor if actor is not None and actor.is_authenticated else None,
    )


# Commission on orders


def _commission_scope(order: Order, line: OrderLine) -> str:
    if order.source == Order.Source.CHANNEL:
        return f"channel:{order.channel}"
    if order.source == Order.Source.B2B_QUOTE:
        return "b2b_quote"
    return "storefront:b2c"


def order_commission_charge(*, order: Order) -> list[Fee]:
    """Commission per order line, charged to the line's seller when the order is paid."""
    rates = exchange_rates_get()
    fees = []
    for line in order.lines.select_related("seller").order_by("pk"):
        fees.append(
            fee_charge(
                company=line.seller,
                kind=FeeKind.COMMISSION,
                cause_type="order_line",
                cause_id=line.pk,
                base=Money(line.total, order.currency),
                scope=_commission_scope(order, line),
                rates=rates,
            )
        )
    return fees


def refund_commission_reverse(*, refund: Refund) -> int:
    """A refund gives back the commission of what it refunds: every line when the order is
    refunded in full, else the line of the return it pays once that line is refunded in full."""
    order = Order.objects.get(pk=refund.order_id)
    if order.status == Order.Status.REFUNDED:
        line_ids = list(order.lines.values_list("pk", flat=True))
    else:
        request = getattr(refund, "return_request", None)
        if request is None:
            return 0
        line = request.order_line
        refunded = sum(
            (r.refund.amount for r in line.return_requests.select_related("refund") if r.refund_id), start=ZERO
        )
        line_ids = [line.pk] if refunded >= line.total else []
    reversed_count = 0
    for fee in Fee.objects.filter(
        kind=FeeKind.COMMISSION, cause_type="order_line", cause_id__in=line_ids, status=Fee.Status.CHARGED
    ).order_by("pk"):
        fee_reverse(fee=fee, reason=f"Refund {refund.pk}")
        reversed_count += 1
    return reversed_count


# Accrual of logistics work


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _months(start: date, end: date, before: date) -> list[tuple[str, date]]:
    """(YYYY-MM, first day) for months overlapping [start, end) that ended before `before`."""
    months = []
    cursor = date(start.year, start.month, 1)
    while cursor < end:
        following = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
        if following <= before:
            months.append((_month(cursor), cursor))
        cursor = following
    return months


def _not_charged(queryset, kind: str, cause_type: str):
    charged = Fee.objects.filter(kind=kind, cause_type=cause_type, cause_id=OuterRef("pk"))
    return queryset.annotate(charged=Exists(charged)).filter(charged=False)


def fees_accrue(*, today: date | None = None) -> dict[str, int]:
    """Charges what logistics did that has no fee yet; running it again charges nothing new."""
    from logistics.models import Consignment, CustomsDeclaration, InboundLine, Shipment, StorageAllotment

    today = today or timezone.localdate()
    rates = exchange_rates_get()
    counts = dict.fromkeys(FeeKind.values, 0)

    def charge(**kwargs):
        with transaction.atomic():
            fee = fee_charge(rates=rates, **kwargs)
        counts[fee.kind] += 1

    shipments = _not_charged(Shipment.objects.filter(fulfilment__isnull=False), FeeKind.FULFILMENT, "shipment")
    for shipment in shipments.prefetch_related("lines__fulfilment_line__variant__product").order_by("pk"):
        sellers = {line.fulfilment_line.variant.product.company_id for line in shipment.lines.all()}
        with transaction.atomic():  # every seller of the shipment, or none: the next run takes it again
            for company in Company.objects.filter(pk__in=sellers).order_by("pk"):
                charge(company=company, kind=FeeKind.FULFILMENT, cause_type="shipment", cause_id=shipment.pk)

    # A consignment picked, packed and declared: one fulfilment fee per manufacturer in it.
    declared = Consignment.objects.filter(declaration__submitted_at__isnull=False)
    for consignment in _not_charged(declared, FeeKind.FULFILMENT, "consignment").order_by("pk"):
        makers = consignment.lines.values_list("manufacturer_id", flat=True)
        with transaction.atomic():
            for company in Company.objects.filter(pk__in=makers).order_by("pk"):
                charge(company=company, kind=FeeKind.FULFILMENT, cause_type="consignment", cause_id=consignment.pk)

    inspected = InboundLine.objects.filter(quantity_passed__isnull=False, quantity_received__gt=0).select_related(
        "shipment__company"
    )
    for line in _not_charged(inspected, FeeKind.INSPECTION, "inbound_line").order_by("pk"):
        charge(
            company=line.shipment.company,
            kind=FeeKind.INSPECTION,
            cause_type="inbound_line",
            cause_id=line.pk,
            quantity=Decimal(line.quantity_received or 0),
        )
    serviced = InboundLine.objects.filter(service_fee_amount__gt=0).select_related("shipment__company")
    for line in _not_charged(serviced, FeeKind.REPACKAGING, "inbound_line").order_by("pk"):
        charge(
            company=line.shipment.company,
            kind=FeeKind.REPACKAGING,
            cause_type="inbound_line",
            cause_id=line.pk,
            quantity=Decimal(line.quantity_passed or line.quantity_received or 0),
            amount=Money(line.service_fee_amount, line.service_fee_currency),
        )
    declarations = CustomsDeclaration.objects.filter(submitted_at__isnull=False).select_related("exporter")
    for declaration in _not_charged(declarations, FeeKind.CUSTOMS_BROKERAGE, "declaration").order_by("pk"):
        charge(
            company=declaration.exporter,
            kind=FeeKind.CUSTOMS_BROKERAGE,
            cause_type="declaration",
            cause_id=declaration.pk,
        )
    month_start = today.replace(day=1)
    charged_months = set(
        Fee.objects.filter(kind=FeeKind.STORAGE, cause_type="storage_allotment").values_list("cause_id", "period")
    )
    allotments = StorageAllotment.objects.filter(starts_on__lt=month_start).select_related("company")
    for allotment in allotments.order_by("pk"):
        for period, _first in _months(allotment.starts_on, allotment.ends_on, month_start):
            if (allotment.pk, period) in charged_months:
                continue
            charge(
                company=allotment.company,
                kind=FeeKind.STORAGE,
                cause_type="storage_allotment",
                cause_id=allotment.pk,
                period=period,
                quantity=Decimal(allotment.volume_m3),
            )
    paid = Order.objects.filter(status__in=COMMISSIONED)
    lines = _not_charged(OrderLine.objects.filter(order__in=paid), FeeKind.COMMISSION, "order_line")
    for order in Order.objects.filter(pk__in=lines.values("order_id")).order_by("pk"):
        with transaction.atomic():
            counts[FeeKind.COMMISSION] += len(order_commission_charge(order=order))
    return {kind: count for kind, count in counts.items() if count}
