"""Services ordered with an Export Voucher, and the "balance account between operating and
performing institution" (reference report, section III.C (m), the annex's procedure).

- Orders: the programme pays its share of the price (`programme_share`, by the company's year
  of participation), drawn from the voucher's balance when ordered; the company co-pays the rest.
  A programme may cap the number of orders per company ("maximum of 2 times") and its spend per
  company per calendar year, and admit only some stages and sub-groups.
- Co-payment: due from the SME once the delivery is confirmed (or a dispute resolved as
  delivered), a `service_co_payment` fee in the settlement ledger that comes off its next payout
  or stays owed on its statement (ADR 0031).
- Settlement: confirmed orders are what the programme owes each provider; after a month ends,
  `provider_payouts_create` makes one payout per provider and programme, which an operator
  confirms when the bank transfer is made, as for manual company payouts.

Locks, in this order: the voucher, the company's programme row (when ordering), the service order,
then (on confirmation) the co-payment's fee row, which no programme or voucher split follows."""

from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from brands.models import CompanyStaff
from brands.selectors import user_has_company_role
from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from core.models import User
from core.money import Money, minor_units
from core.permissions import is_operator
from marketplace.models import (
    FeeKind,
    ProviderPayout,
    ServiceOrder,
    ServiceOrderEvent,
    ServiceProvider,
    SupportProgramme,
    SupportService,
    Voucher,
)
from marketplace.services.fees import fee_charge, programme_admits, programme_company_rows
from marketplace.services.statements import period_parse
from marketplace.services.vouchers import programme_share

ZERO = Decimal(0)
Status = ServiceOrder.Status


def _require_operator(actor, what: str) -> None:
    if not is_operator(actor):
        raise NotPermitted(f"Only operators {what}.")


# Orders


def _event(order: ServiceOrder, kind: str, actor, from_status: str = "", note: str = "") -> None:
    ServiceOrderEvent.objects.create(
        order=order,
        kind=kind,
        from_status=from_status,
        to_status=order.status,
        actor=actor if actor is not None and actor.is_authenticated else None,
        note=note,
    )


def _service_refusals(programme: SupportProgramme, service: SupportService) -> list[tuple[str, str]]:
    refusals = []
    if not programme.covers_services:
        refusals.append(("services_not_covered", "The programme pays platform fees only, not services."))
    if programme.service_stages and service.stage not in programme.service_stages:
        refusals.append(
            ("stage_not_covered", f"The programme covers the stages {', '.join(programme.service_stages)}.")
        )
    if programme.service_sub_groups and service.sub_group not in programme.service_sub_groups:
        groups = ", ".join(programme.service_sub_groups)
        refusals.append(("sub_group_not_covered", f"The programme covers the sub-groups {groups}."))
    return refusals


@transaction.atomic
def service_order_place(*, actor: User, voucher: Voucher, service: SupportService, note: str = "") -> ServiceOrder:
    """Orders a service with a voucher: the programme's share comes from the voucher's balance,
    the company co-pays the rest."""
    if not (is_operator(actor) or user_has_company_role(actor, voucher.company_id, CompanyStaff.Role.EDITOR)):
        raise NotPermitted("Only the company's owners and editors order services.")
    voucher = Voucher.objects.select_for_update().select_related("programme", "company").get(pk=voucher.pk)
    programme, company = voucher.programme, voucher.company
    # The company's row in the programme, locked after the voucher (ADR 0008's order): the use cap
    # and the yearly maximum count orders on every voucher of the programme, so two vouchers
    # ordering at once must wait for each other.
    programme_company_rows(company, {programme.pk})
    today = timezone.localdate()
    if not service.is_active or not service.provider.is_active:
        raise InvalidInput("The service is not offered any more.", attr="service")
    if voucher.expires_on < today or not programme.is_active:
        raise Conflict("The voucher has expired.", attr="voucher")
    if service.currency != voucher.currency:
        raise InvalidInput(
            f"The service is priced in {service.currency}; the voucher is in {voucher.currency}.", attr="service"
        )
    refusals = _service_refusals(programme, service)
    admitted, reasons = programme_admits(programme=programme, company=company)
    refusals += [("not_eligible", reason) for reason in reasons] if not admitted else []
    live = ServiceOrder.objects.filter(programme=programme, company=company).exclude(status=Status.CANCELLED)
    if programme.max_uses is not None and live.count() >= programme.max_uses:
        refusals.append(
            ("uses_exhausted", f"The programme pays for at most {programme.max_uses} services per company.")
        )
    share = programme_share(programme=programme, year=voucher.participation_year)
    exponent = Decimal(1).scaleb(-minor_units(voucher.currency))
    programme_amount = (service.price * share).quantize(exponent, rounding=ROUND_DOWN)
    if programme.max_per_company_year is not None:
        this_year = live.filter(created_at__year=today.year).aggregate(total=Sum("programme_amount"))["total"] or ZERO
        if this_year + programme_amount > programme.max_per_company_year:
            left = Money(programme.max_per_company_year - this_year, programme.currency)
            refusals.append(("year_maximum", f"Only {left} is left of the company's maximum this year."))
    if programme_amount > voucher.amount - voucher.spent:
        refusals.append(
            (
                "voucher_balance",
                f"The voucher's balance is {voucher.balance}; the programme's part is {programme_amount}.",
            )
        )
    if refusals:
        raise Conflict("The voucher cannot pay for this service.", attr="service", reasons=refusals)
    voucher.spent += programme_amount
    voucher.save(update_fields=["spent"])
    order = ServiceOrder.objects.create(
        voucher=voucher,
        programme=programme,
        company=company,
        service=service,
        provider=service.provider,
        stage=service.stage,
        sub_group=service.sub_group,
        price=service.price,
        currency=service.currency,
        share=share,
        programme_amount=programme_amount,
        company_amount=service.price - programme_amount,
        note=note,
        ordered_by=actor,
    )
    _event(order, "ordered", actor)
    return order


def _lock(order: ServiceOrder) -> tuple[Voucher, ServiceOrder]:
    voucher = Voucher.objects.select_for_update().get(pk=order.voucher_id)
    return voucher, ServiceOrder.objects.select_for_update().get(pk=order.pk)


def _move(order: ServiceOrder, allowed: list[str], to_status: str) -> str:
    if order.status not in allowed:
        raise WrongState(f"A {order.status} service order cannot become {to_status}.")
    from_status, order.status = order.status, to_status
    return from_status


def _give_back(voucher: Voucher, order: ServiceOrder) -> None:
    voucher.spent -= order.programme_amount
    voucher.save(update_fields=["spent"])


def _require_company_editor(actor, order: ServiceOrder, what: str) -> None:
    if not (is_operator(actor) or user_has_company_role(actor, order.company_id, CompanyStaff.Role.EDITOR)):
        raise NotPermitted(f"Only the company's owners and editors {what}.")


def _co_payment_charge(order: ServiceOrder) -> None:
    """The SME's share becomes due with the provider's (ADR 0031); one fee per order."""
    if order.company_amount > 0:
        fee_charge(
            company=order.company,
            kind=FeeKind.SERVICE_CO_PAYMENT,
            cause_type="service_order",
            cause_id=order.pk,
            amount=Money(order.company_amount, order.currency),
        )


@transaction.atomic
def service_order_deliver(*, actor: User, order: ServiceOrder, note: str = "") -> ServiceOrder:
    """The provider's delivery, recorded by an operator for the performing institution."""
    _require_operator(actor, "record deliveries")
    _voucher, order = _lock(order)
    from_status = _move(order, [Status.ORDERED], Status.DELIVERED)
    order.delivered_at = timezone.now()
    order.save(update_fields=["status", "delivered_at"])
    _event(order, "delivered", actor, from_status, note)
    return order


@transaction.atomic
def service_order_confirm(*, actor: User, order: ServiceOrder, note: str = "") -> ServiceOrder:
    """The SME confirms the delivery: the programme now owes the provider its part, and the SME
    its co-payment."""
    _require_company_editor(actor, order, "confirm deliveries")
    _voucher, order = _lock(order)
    from_status = _move(order, [Status.DELIVERED], Status.CONFIRMED)
    order.confirmed_at = timezone.now()
    order.save(update_fields=["status", "confirmed_at"])
    _co_payment_charge(order)
    _event(order, "confirmed", actor, from_status, note)
    return order


@transaction.atomic
def service_order_dispute(*, actor: User, order: ServiceOrder, reason: str) -> ServiceOrder:
    _require_company_editor(actor, order, "dispute deliveries")
    if not reason.strip():
        raise InvalidInput("Say what is wrong with the delivery.", attr="reason")
    _voucher, order = _lock(order)
    from_status = _move(order, [Status.DELIVERED], Status.DISPUTED)
    order.save(update_fields=["status"])
    _event(order, "disputed", actor, from_status, reason)
    return order


@transaction.atomic
def service_order_resolve(*, actor: User, order: ServiceOrder, outcome: str, reason: str) -> ServiceOrder:
    """An operator settles a dispute: `delivered` (the provider is owed, as if confirmed) or
    `not_delivered` (the order is cancelled and the voucher gets its part back)."""
    _require_operator(actor, "resolve disputes")
    if outcome not in ("delivered", "not_delivered"):
        raise InvalidInput("The outcome is delivered or not_delivered.", attr="outcome")
    if not reason.strip():
        raise InvalidInput("Give the reasons for the resolution.", attr="reason")
    voucher, order = _lock(order)
    if outcome == "delivered":
        from_status = _move(order, [Status.DISPUTED], Status.CONFIRMED)
        order.confirmed_at = timezone.now()
        _co_payment_charge(order)
    else:
        from_status = _move(order, [Status.DISPUTED], Status.CANCELLED)
        _give_back(voucher, order)
    order.save(update_fields=["status", "confirmed_at"])
    _event(order, "resolved", actor, from_status, f"{outcome}: {reason}")
    return order


@transaction.atomic
def service_order_cancel(*, actor: User, order: ServiceOrder, reason: str = "") -> ServiceOrder:
    """Before delivery only; the voucher gets the programme's part back."""
    _require_company_editor(actor, order, "cancel service orders")
    voucher, order = _lock(order)
    from_status = _move(order, [Status.ORDERED], Status.CANCELLED)
    _give_back(voucher, order)
    order.save(update_fields=["status"])
    _event(order, "cancelled", actor, from_status, reason)
    return order


# Settlement with providers


def _owed(period: str):
    start, end = period_parse(period)
    return ServiceOrder.objects.filter(
        status=Status.CONFIRMED, confirmed_at__gte=start, confirmed_at__lt=end, programme_amount__gt=0
    )


def provider_payouts_create(*, actor: User, period: str) -> list[ProviderPayout]:
    """After the month ends, one payout per provider and programme for the month's confirmed
    orders not paid out yet. Running it again makes nothing new."""
    _require_operator(actor, "settle with providers")
    _start, end = period_parse(period)
    if end > timezone.now():
        raise InvalidInput(f"{period} has not ended yet; it is settled after its last day.", attr="period")
    made = []
    pairs = _owed(period).filter(payout__isnull=True).values_list("provider_id", "programme_id").distinct()
    for provider_id, programme_id in sorted(set(pairs)):
        with transaction.atomic():
            orders = list(
                _owed(period)
                .select_for_update()
                .filter(provider_id=provider_id, programme_id=programme_id, payout__isnull=True)
                .order_by("pk")
            )
            if (
                not orders
                or ProviderPayout.objects.filter(
                    provider_id=provider_id, programme_id=programme_id, period=period
                ).exists()
            ):
                continue
            payout = ProviderPayout.objects.create(
                provider_id=provider_id,
                programme_id=programme_id,
                period=period,
                amount=sum(order.programme_amount for order in orders),
                currency=orders[0].currency,
            )
            ServiceOrder.objects.filter(pk__in=[order.pk for order in orders]).update(payout=payout)
            made.append(payout)
    return made


@transaction.atomic
def provider_payout_confirm(*, actor: User, payout: ProviderPayout, reference: str = "") -> ProviderPayout:
    """An operator confirms the bank transfer to the provider was made."""
    _require_operator(actor, "confirm provider payouts")
    payout = ProviderPayout.objects.select_for_update().get(pk=payout.pk)
    if payout.status != ProviderPayout.Status.PENDING:
        raise WrongState(f"The payout is {payout.status}.")
    payout.status = ProviderPayout.Status.PAID
    payout.reference = reference[:100]
    payout.confirmed_by = actor
    payout.paid_at = timezone.now()
    payout.save(update_fields=["status", "reference", "confirmed_by", "paid_at"])
    return payout


def provider_statement(*, provider: ServiceProvider, period: str) -> dict:
    """The month's confirmed orders of a provider: what each programme owes and what the SMEs
    co-paid, and the payouts made for it."""
    start, end = period_parse(period)
    orders = (
        ServiceOrder.objects.filter(
            provider=provider, status=Status.CONFIRMED, confirmed_at__gte=start, confirmed_at__lt=end
        )
        .select_related("service", "company", "programme")
        .order_by("confirmed_at", "pk")
    )
    totals: dict = {}
    lines = []
    for order in orders:

        def money(value, currency=order.currency) -> dict:
            return Money(value, currency).as_dict()

        lines.append(
            {
                "order": order.pk,
                "service": order.service.code,
                "company": order.company.legal_name,
                "programme": order.programme.name,
                "confirmed_at": order.confirmed_at.isoformat(),
                "price": money(order.price),
                "programme_part": money(order.programme_amount),
                "co_payment": money(order.company_amount),
            }
        )
        entry = totals.setdefault((order.programme_id, order.currency), [order.programme.name, ZERO, ZERO])
        entry[1] += order.programme_amount
        entry[2] += order.company_amount
    payouts = ProviderPayout.objects.filter(provider=provider, period=period).order_by("pk")
    return {
        "provider": provider.pk,
        "period": period,
        "lines": lines,
        "by_programme": [
            {
                "programme": programme_id,
                "name": name,
                "owed": Money(owed, currency).as_dict(),
                "co_paid": Money(co_paid, currency).as_dict(),
            }
            for (programme_id, currency), (name, owed, co_paid) in totals.items()
        ],
        "payouts": [{"id": p.pk, "amount": Money(p.amount, p.currency).as_dict(), "status": p.status} for p in payouts],
    }
