"""The fee ledger and its co-financing. `fee_charge` and `fee_reverse` are the public doors:
other apps (integrations for syndication) call them; commission is charged when an order is
paid (marketplace.services.commission), and marketplace.services.fee_accrual charges what
logistics did (shipments, inspections, repackaging, customs declarations, storage months).
Programmes and vouchers are set up in marketplace.services.programmes.

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
from django.db.models import F
from django.utils import timezone

from brands.models import Company, Membership
from brands.selectors import company_eligibility_get
from core.errors import InvalidInput, WrongState
from core.money import Money, minor_units, quantize
from core.selectors import ExchangeRateMissing, RateTable, exchange_rates_get
from marketplace.models import (
    Fee,
    FeeKind,
    FeeRate,
    FeeSplit,
    ProgrammeCompany,
    Statement,
    SupportProgramme,
    Voucher,
)

logger = logging.getLogger(__name__)
ZERO = Decimal(0)


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
    if not company.is_approved_seller:
        reasons.append("The company is not an approved seller yet (seller onboarding).")
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
    """Covering vouchers and programmes, locked, in paying order; none before the company is an
    approved seller."""
    if not company.is_approved_seller:
        return []
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


def programme_company_rows(company: Company, programme_ids: set[int]) -> dict[int, ProgrammeCompany]:
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
    rows = programme_company_rows(company, {s.programme.pk for s in sources if s.voucher is None})
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
    beneficiary_id: int | None = None,
) -> Fee:
    """Charges a fee for a cause once; charging the same cause again returns the first fee.
    The amount is given (`amount`), or comes from the tariff: a percent rate of `base`, or a
    per-unit rate times `quantity`, converted to `currency` when asked. `charged_at` dates a fee
    for work done earlier (a month's syndication charged after the month), which decides the
    statement it falls in. `beneficiary_id` names the company the fee is collected for (an
    agent's commission), credited on that company's statement."""
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
                beneficiary_id=beneficiary_id,
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
