"""Mandates of SMEs to trading companies (the report's Global Market Developers, section II):
the SME's owner grants one, the agent's owner accepts or declines it, the SME's owner revokes
it. Each transition locks the mandate, checks its state, writes it and an event row."""

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from brands.models import Company, CompanyStaff, Mandate, MandateEvent, MandateScope
from brands.selectors import user_has_company_role
from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from core.models import User
from core.permissions import is_operator

OWNER = CompanyStaff.Role.OWNER
MS = Mandate.Status


def mandate_event_record(mandate: Mandate, kind: str, actor: User | None, **data) -> MandateEvent:
    return MandateEvent.objects.create(
        mandate=mandate, kind=kind, actor=actor if actor is not None and actor.is_authenticated else None, data=data
    )


def check_scopes(scopes) -> list[str]:
    if not isinstance(scopes, list) or not scopes:
        raise InvalidInput(f"Give one or more of {', '.join(MandateScope.values)}.", attr="scopes")
    unknown = [value for value in scopes if value not in MandateScope.values]
    if unknown:
        raise InvalidInput(f"Unknown scope {unknown[0]!r}; use {', '.join(MandateScope.values)}.", attr="scopes")
    return [value for value in MandateScope.values if value in scopes]  # canonical order, no repeats


def check_commission_rate(value) -> Decimal:
    try:
        rate = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput("A share between 0 and 1 (0.05 is 5 %).", attr="commission_rate") from None
    if not rate.is_finite() or rate < 0 or rate > 1 or rate != rate.quantize(Decimal("0.0001")):
        raise InvalidInput("A share between 0 and 1 with at most 4 decimals (0.05 is 5 %).", attr="commission_rate")
    return rate


def _lock(mandate: Mandate) -> Mandate:
    return Mandate.objects.select_for_update().select_related("company", "agent").get(pk=mandate.pk)


def _require_sme_owner(mandate: Mandate, actor: User, action: str) -> None:
    if not (is_operator(actor) or user_has_company_role(actor, mandate.company_id, OWNER)):
        raise NotPermitted(f"Only the owners of {mandate.company.legal_name} may {action} its mandate.")


def _require_agent_owner(mandate: Mandate, actor: User, action: str) -> None:
    if not user_has_company_role(actor, mandate.agent_id, OWNER):
        raise NotPermitted(f"Only the owners of {mandate.agent.legal_name} may {action} the mandate.")


@transaction.atomic
def mandate_grant(
    *,
    actor: User,
    company: Company,
    agent: Company | None,
    scopes: list[str],
    commission_rate=Decimal(0),
    note: str = "",
) -> Mandate:
    """The SME's owner offers a trading company a mandate; it opens nothing until accepted."""
    if not user_has_company_role(actor, company.pk, OWNER):
        raise InvalidInput("Pick a company you own.", attr="company")
    # One message for a missing company and one of another kind: the directory is public anyway.
    if agent is None or agent.kind != Company.Kind.TRADING_COMPANY:
        raise InvalidInput("Pick a trading company.", attr="agent")
    if agent.pk == company.pk:
        raise InvalidInput("A company cannot mandate itself.", attr="agent")
    scopes = check_scopes(scopes)
    rate = check_commission_rate(commission_rate)
    company = Company.objects.select_for_update().get(pk=company.pk)
    if Mandate.objects.filter(company=company, agent=agent, status__in=Mandate.LIVE_STATUSES).exists():
        raise Conflict(f"{agent.legal_name} already holds or has been offered a mandate.", attr="agent")
    mandate = Mandate.objects.create(
        company=company, agent=agent, scopes=scopes, commission_rate=rate, note=note, granted_by=actor
    )
    mandate_event_record(mandate, MandateEvent.Kind.GRANTED, actor, scopes=scopes, commission_rate=str(rate))
    return mandate


@transaction.atomic
def mandate_accept(*, mandate: Mandate, actor: User) -> Mandate:
    mandate = _lock(mandate)
    _require_agent_owner(mandate, actor, "accept")
    if mandate.status != MS.OFFERED:
        raise WrongState(f"The mandate is {mandate.status}; only an offered one can be accepted.")
    if (
        mandate.commission_rate > 0
        and Mandate.objects.filter(company_id=mandate.company_id, status=MS.ACTIVE, commission_rate__gt=0).exists()
    ):
        raise Conflict("The company already pays commission to another agent; it must revoke that mandate first.")
    mandate.status = MS.ACTIVE
    mandate.accepted_at = timezone.now()
    try:
        with transaction.atomic():
            mandate.save(update_fields=["status", "accepted_at"])
    except IntegrityError:  # a concurrent acceptance of another commissioned mandate won
        raise Conflict("The company already pays commission to another agent.") from None
    mandate_event_record(mandate, MandateEvent.Kind.ACCEPTED, actor)
    return mandate


@transaction.atomic
def mandate_decline(*, mandate: Mandate, actor: User, reason: str = "") -> Mandate:
    mandate = _lock(mandate)
    _require_agent_owner(mandate, actor, "decline")
    if mandate.status != MS.OFFERED:
        raise WrongState(f"The mandate is {mandate.status}; only an offered one can be declined.")
    mandate.status = MS.DECLINED
    mandate.ended_at = timezone.now()
    mandate.end_reason = reason
    mandate.save(update_fields=["status", "ended_at", "end_reason"])
    mandate_event_record(mandate, MandateEvent.Kind.DECLINED, actor, reason=reason)
    return mandate


@transaction.atomic
def mandate_update(*, mandate: Mandate, actor: User, scopes=None, commission_rate=None, note=None) -> Mandate:
    """The SME's owner narrows or widens the scopes at any time (effective at once); the
    commission is part of the offer, so it changes only before the agent accepts."""
    mandate = _lock(mandate)
    _require_sme_owner(mandate, actor, "change")
    if mandate.status not in Mandate.LIVE_STATUSES:
        raise WrongState(f"The mandate is {mandate.status}; it can no longer change.")
    changes = {}
    if scopes is not None:
        mandate.scopes = changes["scopes"] = check_scopes(scopes)
    if commission_rate is not None:
        rate = check_commission_rate(commission_rate)
        if rate != mandate.commission_rate and mandate.status != MS.OFFERED:
            raise WrongState("The commission was accepted by the agent; revoke and offer a new mandate to change it.")
        mandate.commission_rate = rate
        changes["commission_rate"] = str(rate)
    if note is not None:
        mandate.note = note
    mandate.save(update_fields=["scopes", "commission_rate", "note"])
    if changes:
        mandate_event_record(mandate, MandateEvent.Kind.CHANGED, actor, **changes)
    return mandate


@transaction.atomic
def mandate_revoke(*, mandate: Mandate, actor: User, reason: str = "") -> Mandate:
    """The SME's owner (or an operator) ends the mandate; the agent's staff lose access at once."""
    mandate = _lock(mandate)
    _require_sme_owner(mandate, actor, "revoke")
    if mandate.status not in Mandate.LIVE_STATUSES:
        raise WrongState(f"The mandate is {mandate.status}; only an offered or active one can be revoked.")
    from_status = mandate.status
    mandate.status = MS.REVOKED
    mandate.ended_at = timezone.now()
    mandate.end_reason = reason
    mandate.save(update_fields=["status", "ended_at", "end_reason"])
    mandate_event_record(mandate, MandateEvent.Kind.REVOKED, actor, reason=reason, from_status=from_status)
    return mandate
