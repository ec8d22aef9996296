"""Matchmaking (reference report, III.D (b) tradeKorea's "buyer DB target marketing" and
(d) the Global Buyer Conference): buyers' directory profiles, SMEs' business proposals and the
buyers' answers (asking for a quote opens an RFQ), matchmaking events and their meetings."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from brands.models import Company, CompanyStaff, MandateScope
from brands.selectors import mandate_agent_id, user_has_company_role
from core.errors import Conflict, InvalidInput, NotPermitted, TooManyAttempts, WrongState
from core.money import Money
from core.permissions import require_operator
from core.selectors import ExchangeRateMissing, exchange_rates_get
from listings.models import Category, Product
from marketplace.models import BusinessProposal, BuyerCompany, BuyerProfile, MatchmakingEvent, Meeting
from marketplace.services.trade import rfq_create
from marketplace.trade_selectors import buyer_company_ids

EDITOR = CompanyStaff.Role.EDITOR
PS = BusinessProposal.Status
MS = Meeting.Status
MAX_PROPOSAL_PRODUCTS = 10
QUOTE_REQUEST_DAYS = 14  # how long an RFQ opened from a proposal stays open
MAX_EVENT_LENGTH = timedelta(days=14)  # a conference or a matchmaking week, not a standing calendar


def _require_buyer(actor, buyer_company_id: int, *, owner: bool = False) -> None:
    if buyer_company_id not in buyer_company_ids(actor, owner=owner):
        who = "owners" if owner else "staff"
        raise NotPermitted(f"Only the buyer company's {who} may do this.")


def _require_sme_editor(actor, company_id: int) -> None:
    # Proposals and meetings are trade: a trading company mandated for quotes acts here too.
    if not user_has_company_role(actor, company_id, EDITOR, scope=MandateScope.QUOTES):
        raise NotPermitted("Only the company's owners and editors (or its agent's) may do this.")


def _usd(money: Money | None, attr: str) -> Decimal | None:
    if money is None:
        return None
    if money.amount < 0:
        raise InvalidInput("An order size is never negative.", attr=attr)
    try:
        return exchange_rates_get().convert(money, "USD").amount.quantize(Decimal("0.01"))
    except ExchangeRateMissing:
        raise InvalidInput(f"No exchange rate for {money.currency}.", attr=attr) from None


# --- the buyer directory ----------------------------------------------------------------------


@transaction.atomic
def buyer_profile_set(
    *,
    actor,
    buyer_company: BuyerCompany,
    opted_in: bool,
    categories: list[Category],
    min_order: Money | None = None,
    max_order: Money | None = None,
    interests: str = "",
) -> BuyerProfile:
    """The buyer's owner opts in to (or out of) the directory and says what it buys; it shows
    to SMEs once an operator has verified the company."""
    _require_buyer(actor, buyer_company.pk, owner=True)
    low, high = _usd(min_order, "min_order"), _usd(max_order, "max_order")
    if low is not None and high is not None and high < low:
        raise InvalidInput("The largest order size is below the smallest.", attr="max_order")
    profile, _ = BuyerProfile.objects.select_for_update().get_or_create(buyer_company=buyer_company)
    profile.opted_in = opted_in
    profile.min_order_amount, profile.max_order_amount = low, high
    profile.interests = interests
    profile.save()
    profile.categories.set(categories)
    return profile


# --- business proposals -----------------------------------------------------------------------


@transaction.atomic
def proposal_send(
    *, actor, company: Company, buyer_company: BuyerCompany, products: list[Product], subject: str, terms: str
) -> BusinessProposal:
    """An SME proposes its published products to a buyer in the directory, at most
    MATCHMAKING_PROPOSALS_PER_DAY a day per SME (counted under a lock on the company)."""
    _require_sme_editor(actor, company.pk)
    listed = BuyerProfile.objects.filter(
        buyer_company=buyer_company, opted_in=True, buyer_company__verified=True
    ).exists()
    if not listed:
        raise InvalidInput("Propose to a buyer in the directory.", attr="buyer_company")
    if not products or len(products) > MAX_PROPOSAL_PRODUCTS:
        raise InvalidInput(f"Propose 1 to {MAX_PROPOSAL_PRODUCTS} products.", attr="products")
    foreign = [p.pk for p in products if p.company_id != company.pk or p.status != Product.Status.PUBLISHED]
    if foreign:
        raise InvalidInput(f"Propose the company's own published products (not {foreign[0]}).", attr="products")
    Company.objects.select_for_update().get(pk=company.pk)  # serialises the day's count per SME
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    limit = settings.MATCHMAKING_PROPOSALS_PER_DAY
    if BusinessProposal.objects.filter(company=company, sent_at__gte=start).count() >= limit:
        retry = int((start + timedelta(days=1) - timezone.now()).total_seconds())
        raise TooManyAttempts(f"{company.legal_name} has sent its {limit} proposals for today.", retry_after=retry)
    proposal = BusinessProposal.objects.create(
        company=company,
        buyer_company=buyer_company,
        subject=subject,
        terms=terms,
        sent_by=actor,
        agent_id=mandate_agent_id(actor, company.pk, MandateScope.QUOTES),
    )
    proposal.products.set(products)
    return proposal


@transaction.atomic
def proposal_answer(
    *,
    actor,
    proposal: BusinessProposal,
    answer: str,
    message: str = "",
    quantity: int | None = None,
    currency: str = "USD",
) -> BusinessProposal:
    """The buyer answers: interested, not interested, or asks for a quote, which opens an RFQ
    for `quantity` of the first proposed product's category that the SME sees and quotes."""
    proposal = BusinessProposal.objects.select_for_update().get(pk=proposal.pk)
    _require_buyer(actor, proposal.buyer_company_id)
    if answer not in (PS.INTERESTED, PS.NOT_INTERESTED, PS.QUOTE_REQUESTED):
        raise InvalidInput("Answer interested, not_interested or quote_requested.", attr="answer")
    # Interest can still turn into a quote request; the other answers are final.
    if proposal.status not in (PS.SENT, PS.INTERESTED) or (
        proposal.status == PS.INTERESTED and answer != PS.QUOTE_REQUESTED
    ):
        raise WrongState(f"The proposal is answered already ({proposal.status}).")
    if answer == PS.QUOTE_REQUESTED:
        if not quantity or quantity < 1:
            raise InvalidInput("Say how many you want quoted.", attr="quantity")
        product = proposal.products.select_related("category").order_by("pk").first()
        buyer = proposal.buyer_company
        proposal.rfq = rfq_create(
            actor=actor,
            buyer_company=buyer,
            title=f"Quote requested: {proposal.subject}"[:200],
            description=message or proposal.terms,
            category=product.category,
            quantity=quantity,
            currency=currency,
            destination_country=str(buyer.country),
            deadline=timezone.now() + timedelta(days=QUOTE_REQUEST_DAYS),
            reference_product=product,
        )
    proposal.status = answer
    proposal.answer_message = message
    proposal.answered_by = actor
    proposal.answered_at = timezone.now()
    proposal.save()
    return proposal


# --- matchmaking events and meetings ---------------------------------------------------------


@transaction.atomic
def matchmaking_event_create(
    *,
    actor,
    name: str,
    mode: str,
    starts_at: datetime,
    ends_at: datetime,
    slot_minutes: int = 30,
    venue: str = "",
    city: str = "",
    description: str = "",
) -> MatchmakingEvent:
    require_operator(actor, "create matchmaking events")
    errors = {}
    if mode not in MatchmakingEvent.Mode.values:
        errors["mode"] = [("invalid_choice", "online or in_person.")]
    if mode == MatchmakingEvent.Mode.IN_PERSON and not venue.strip():
        errors["venue"] = [("required", "An event in person needs a venue.")]
    if ends_at <= starts_at:
        errors["ends_at"] = [("before_start", "The event must end after it starts.")]
    elif ends_at - starts_at < timedelta(minutes=slot_minutes):
        errors["slot_minutes"] = [("too_long", "The event must hold at least one slot.")]
    elif ends_at - starts_at > MAX_EVENT_LENGTH:
        errors["ends_at"] = [("too_long", f"An event lasts at most {MAX_EVENT_LENGTH.days} days.")]
    if slot_minutes < 10:
        errors["slot_minutes"] = [("too_short", "Slots last at least 10 minutes.")]
    if errors:
        raise InvalidInput("The event is incomplete.", fields=errors)
    return MatchmakingEvent.objects.create(
        name=name,
        mode=mode,
        starts_at=starts_at,
        ends_at=ends_at,
        slot_minutes=slot_minutes,
        venue=venue,
        city=city,
        description=description,
        created_by=actor,
    )


def event_slots(event: MatchmakingEvent) -> list[datetime]:
    step = timedelta(minutes=event.slot_minutes)
    slots, cursor = [], event.starts_at
    while cursor + step <= event.ends_at:
        slots.append(cursor)
        cursor += step
    return slots


def _side(actor, meeting: Meeting) -> str | None:
    if meeting.buyer_company_id in buyer_company_ids(actor):
        return Meeting.Side.BUYER
    if user_has_company_role(actor, meeting.company_id, EDITOR, scope=MandateScope.QUOTES):
        return Meeting.Side.SME
    return None


@transaction.atomic
def meeting_request(
    *, actor, event: MatchmakingEvent, buyer_company: BuyerCompany, company: Company, message: str = ""
) -> Meeting:
    """A buyer asks to meet an SME at the event, or an SME a buyer in the directory."""
    if buyer_company.pk in buyer_company_ids(actor):
        side = Meeting.Side.BUYER
    elif user_has_company_role(actor, company.pk, EDITOR, scope=MandateScope.QUOTES):
        side = Meeting.Side.SME
        listed = BuyerProfile.objects.filter(buyer_company=buyer_company, opted_in=True, buyer_company__verified=True)
        if not listed.exists():
            raise InvalidInput("Ask to meet a buyer in the directory.", attr="buyer_company")
    else:
        raise InvalidInput("Ask for your own buyer company or SME.", attr="company")
    if event.ends_at <= timezone.now():
        raise WrongState("The event is over.")
    if Meeting.objects.filter(
        event=event, buyer_company=buyer_company, company=company, status__in=[MS.REQUESTED, MS.SCHEDULED]
    ).exists():
        raise Conflict("These two already have a meeting at this event.")
    try:
        with transaction.atomic():
            return Meeting.objects.create(
                event=event,
                buyer_company=buyer_company,
                company=company,
                requested_by=side,
                requested_by_user=actor,
                message=message,
            )
    except IntegrityError:
        raise Conflict("These two already have a meeting at this event.") from None


def _lock(meeting: Meeting) -> tuple[MatchmakingEvent, Meeting]:
    """Locks the event, then the meeting: scheduling is serialised per event."""
    event = MatchmakingEvent.objects.select_for_update().get(pk=meeting.event_id)
    return event, Meeting.objects.select_for_update().get(pk=meeting.pk)


def _busy(event: MatchmakingEvent, meeting: Meeting) -> set[datetime]:
    taken = Meeting.objects.filter(event=event, status=MS.SCHEDULED).exclude(pk=meeting.pk)
    mine = taken.filter(buyer_company_id=meeting.buyer_company_id) | taken.filter(company_id=meeting.company_id)
    return set(mine.values_list("starts_at", flat=True))


def _schedule(event: MatchmakingEvent, meeting: Meeting, starts_at: datetime) -> Meeting:
    meeting.status = MS.SCHEDULED
    meeting.starts_at = starts_at
    try:
        with transaction.atomic():
            meeting.save(update_fields=["status", "starts_at"])
    except IntegrityError:  # the constraints hold even for a writer that skipped the event lock
        raise Conflict("One of the two is already booked in this slot.", attr="starts_at") from None
    return meeting


@transaction.atomic
def meeting_accept(*, actor, meeting: Meeting) -> Meeting:
    """The side that did not ask accepts; the meeting takes the first slot both are free."""
    event, meeting = _lock(meeting)
    side = _side(actor, meeting)
    if side is None:
        raise NotPermitted("Only the two parties may answer.")
    if side == meeting.requested_by:
        raise NotPermitted("The other party accepts the request.")
    if meeting.status != MS.REQUESTED:
        raise WrongState(f"The meeting is {meeting.status}; only a request can be accepted.")
    busy, now = _busy(event, meeting), timezone.now()
    free = [slot for slot in event_slots(event) if slot not in busy and slot > now]
    if not free:
        raise Conflict("No slot at this event is free for both.")
    return _schedule(event, meeting, free[0])


@transaction.atomic
def meeting_schedule(*, actor, meeting: Meeting, starts_at: datetime) -> Meeting:
    """An operator places (or moves) a meeting into a given slot."""
    require_operator(actor, "schedule meetings")
    event, meeting = _lock(meeting)
    if meeting.status not in (MS.REQUESTED, MS.SCHEDULED):
        raise WrongState(f"The meeting is {meeting.status}.")
    if starts_at not in event_slots(event):
        raise InvalidInput("Pick one of the event's slots.", attr="starts_at")
    if starts_at in _busy(event, meeting):
        raise Conflict("One of the two is already booked in this slot.", attr="starts_at")
    return _schedule(event, meeting, starts_at)


@transaction.atomic
def meeting_decline(*, actor, meeting: Meeting) -> Meeting:
    """The asked side declines a request; either side cancels a scheduled meeting."""
    _event, meeting = _lock(meeting)
    side = _side(actor, meeting)
    if side is None:
        raise NotPermitted("Only the two parties may answer.")
    if meeting.status == MS.REQUESTED:
        meeting.status = MS.CANCELLED if side == meeting.requested_by else MS.DECLINED
    elif meeting.status == MS.SCHEDULED:
        meeting.status = MS.CANCELLED
    else:
        raise WrongState(f"The meeting is {meeting.status} already.")
    meeting.save(update_fields=["status"])
    return meeting


@transaction.atomic
def meeting_notes_add(*, actor, meeting: Meeting, notes: str) -> Meeting:
    """After the meeting has started, each side keeps its notes (what was agreed, next steps)."""
    _event, meeting = _lock(meeting)
    side = _side(actor, meeting)
    if side is None:
        raise NotPermitted("Only the two parties keep notes.")
    if meeting.status != MS.SCHEDULED or meeting.starts_at > timezone.now():
        raise WrongState("Notes follow a meeting that has taken place.")
    if not notes.strip():
        raise InvalidInput("Write the notes.", attr="notes")
    field = "buyer_notes" if side == Meeting.Side.BUYER else "sme_notes"
    setattr(meeting, field, notes)
    meeting.save(update_fields=[field])
    return meeting
