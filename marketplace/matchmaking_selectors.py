"""Reads for matchmaking: the buyer directory, proposals and meetings each party may see."""

from decimal import Decimal

from django.db.models import Q, QuerySet
from django.http import Http404

from brands.models import MandateScope
from brands.selectors import user_company_ids
from core.permissions import is_operator
from marketplace.models import BusinessProposal, BuyerProfile, MatchmakingEvent, Meeting
from marketplace.trade_selectors import buyer_company_ids, category_match


def buyer_directory_list(
    *, country: str = "", category_path: str = "", order_size: Decimal | None = None
) -> QuerySet[BuyerProfile]:
    """Verified buyer companies that opted in; `category_path` matches a profile category above
    or below it, `order_size` (USD) one within the buyer's order range."""
    profiles = BuyerProfile.objects.filter(opted_in=True, buyer_company__verified=True)
    if country:
        profiles = profiles.filter(buyer_company__country=country)
    if category_path:
        profiles = profiles.filter(category_match({category_path}, "categories__path")).distinct()
    if order_size is not None:
        profiles = profiles.filter(
            Q(min_order_amount__isnull=True) | Q(min_order_amount__lte=order_size),
            Q(max_order_amount__isnull=True) | Q(max_order_amount__gte=order_size),
        )
    return profiles.select_related("buyer_company").prefetch_related("categories").order_by("buyer_company__name")


def proposal_list(*, user) -> QuerySet[BusinessProposal]:
    """The SME's sent proposals (and its agent's, with a quotes mandate), a buyer's received."""
    proposals = BusinessProposal.objects.select_related("company", "buyer_company", "rfq").prefetch_related("products")
    if not is_operator(user):
        proposals = proposals.filter(
            Q(company_id__in=user_company_ids(user, scope=MandateScope.QUOTES))
            | Q(buyer_company_id__in=buyer_company_ids(user))
        )
    return proposals.order_by("-pk")


def proposal_get(*, user, pk) -> BusinessProposal:
    proposal = proposal_list(user=user).filter(pk=pk).first()
    if proposal is None:
        raise Http404("No such proposal.")
    return proposal


def matchmaking_event_list() -> QuerySet[MatchmakingEvent]:
    return MatchmakingEvent.objects.order_by("-starts_at", "pk")


def meeting_list(*, user, event: MatchmakingEvent | None = None) -> QuerySet[Meeting]:
    """Operators see every meeting; a buyer or an SME (or its agent) those it is a party to."""
    meetings = Meeting.objects.select_related("event", "buyer_company", "company")
    if event is not None:
        meetings = meetings.filter(event=event)
    if not is_operator(user):
        meetings = meetings.filter(
            Q(company_id__in=user_company_ids(user, scope=MandateScope.QUOTES))
            | Q(buyer_company_id__in=buyer_company_ids(user))
        )
    return meetings.order_by("event_id", "starts_at", "pk")


def meeting_get(*, user, pk) -> Meeting:
    meeting = meeting_list(user=user).filter(pk=pk).first()
    if meeting is None:
        raise Http404("No such meeting.")
    return meeting
