"""Demo data, matchmaking (reference report III.D (b) and (d)): the Berlin buyer company opts in
to the buyer directory; the trading company acting for Jeonju Hanji Craft updates one of its
lamps and proposes it to the buyer, who is interested; an operator's Global Buyer Conference in
Seoul holds scheduled meetings between the buyer and two SMEs. Loaded after the agents part.
Idempotent: the profile by buyer, the proposal by subject, the event by name, meetings by pair."""

from collections import Counter
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from brands.models import Company
from core.money import Money
from listings.models import Product, ProductEvent
from listings.services import product_update
from marketplace.models import BusinessProposal, BuyerCompany, BuyerProfile, MatchmakingEvent, Meeting
from marketplace.services.matchmaking import (
    buyer_profile_set,
    matchmaking_event_create,
    meeting_accept,
    meeting_request,
    proposal_answer,
    proposal_send,
)

PROPOSAL_SUBJECT = "Hand-made hanji lamps for your shops"
EVENT_NAME = "Global Buyer Conference Seoul"
MEETING_SMES = ["jeonju-hanji", "icheon-ceramics"]


class MatchmakingDemo:
    def __init__(self, tally: Counter):
        self.tally = tally

    def count(self, kind: str, created: bool) -> None:
        self.tally[kind, "created" if created else "existing"] += 1

    def load(self, context: dict) -> dict:
        buyer: BuyerCompany = context["buyer_company"]
        buyer_user = context["buyers"][0]
        self.load_profile(buyer, buyer_user)
        sme, _owner = context["companies"]["jeonju-hanji"]
        lamp = self.load_agent_edit(sme, context["agent_owner"])
        self.load_proposal(sme, lamp, buyer, buyer_user, context["agent_owner"])
        conference = self.load_event(context["operator"])
        for slug in MEETING_SMES:
            self.load_meeting(conference, buyer, buyer_user, *context["companies"][slug])
        return {"matchmaking_event": conference}

    def load_profile(self, buyer: BuyerCompany, user) -> None:
        exists = BuyerProfile.objects.filter(buyer_company=buyer).exists()
        self.count("buyer profiles", not exists)
        if not exists:
            from listings.models import Category

            buyer_profile_set(
                actor=user,
                buyer_company=buyer,
                opted_in=True,
                categories=list(Category.objects.filter(path__in=["home/lighting", "home/tableware"])),
                min_order=Money(Decimal(2000), "EUR"),
                max_order=Money(Decimal(80000), "EUR"),
                interests="Hand-made paper, ceramics and bamboo for 40 shops in Germany and Austria.",
            )

    def load_agent_edit(self, sme: Company, agent_owner) -> Product:
        """The agent's owner sets the lead time of the SME's first published lamp."""
        lamp = (
            Product.objects.filter(company=sme, status=Product.Status.PUBLISHED, category__path="home/lighting")
            .order_by("pk")
            .first()
        )
        edited = ProductEvent.objects.filter(product=lamp, kind=ProductEvent.Kind.UPDATED, agent__isnull=False)
        self.count("agent edits", not edited.exists())
        if not edited.exists():
            lamp = product_update(actor=agent_owner, product=lamp, lead_time_days=(lamp.lead_time_days or 20) + 5)
        return lamp

    def load_proposal(self, sme, lamp, buyer, buyer_user, agent_owner) -> None:
        proposal = BusinessProposal.objects.filter(company=sme, subject=PROPOSAL_SUBJECT).first()
        self.count("proposals", proposal is None)
        if proposal is None:
            proposal = proposal_send(
                actor=agent_owner,
                company=sme,
                buyer_company=buyer,
                products=[lamp],
                subject=PROPOSAL_SUBJECT,
                terms="From 100 units, DDP Berlin, private-label boxes from 200 units, two free samples.",
            )
            proposal_answer(
                actor=buyer_user,
                proposal=proposal,
                answer=BusinessProposal.Status.INTERESTED,
                message="Please bring samples to the Seoul conference.",
            )

    def load_event(self, operator) -> MatchmakingEvent:
        conference = MatchmakingEvent.objects.filter(name=EVENT_NAME).first()
        self.count("matchmaking events", conference is None)
        if conference is None:
            start = (timezone.now() + timedelta(days=21)).replace(hour=1, minute=0, second=0, microsecond=0)
            conference = matchmaking_event_create(
                actor=operator,
                name=EVENT_NAME,
                mode=MatchmakingEvent.Mode.IN_PERSON,
                venue="COEX, Hall B2",
                city="Seoul",
                starts_at=start,
                ends_at=start + timedelta(hours=6),
                slot_minutes=30,
                description="Buyers from Europe and Japan meet Korean SMEs; consulting and seminars.",
            )
        return conference

    def load_meeting(self, conference, buyer, buyer_user, sme, sme_owner) -> None:
        meeting = Meeting.objects.filter(
            event=conference, buyer_company=buyer, company=sme, status__in=["requested", "scheduled"]
        ).first()
        self.count("meetings", meeting is None)
        if meeting is None:
            meeting = meeting_request(
                actor=buyer_user, event=conference, buyer_company=buyer, company=sme, message="Samples, please."
            )
        if meeting.status == Meeting.Status.REQUESTED:
            meeting_accept(actor=sme_owner, meeting=meeting)
