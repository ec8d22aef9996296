"""The demo's agents and matchmaking parts (brands/agents_demo.py, marketplace/matchmaking_demo.py)
as `load_demo` builds them: a trading company acting for two SMEs, one paying commission, an
agent's product edit recorded as the agent's; a directory profile, a proposal sent by the agent
and answered, a conference with meetings scheduled in distinct slots; a rerun adds nothing."""

from brands.models import Company, Mandate, MandateEvent
from listings.models import ProductEvent
from marketplace.models import BusinessProposal, BuyerProfile, MatchmakingEvent, Meeting

MODELS = [Mandate, MandateEvent, BuyerProfile, BusinessProposal, MatchmakingEvent, Meeting, ProductEvent]


def after_first_load(first: str):
    agent = Company.objects.get(kind=Company.Kind.TRADING_COMPANY)
    mandates = Mandate.objects.filter(agent=agent, status=Mandate.Status.ACTIVE).order_by("pk")
    assert len(mandates) == 2 and len({m.company_id for m in mandates}) == 2
    assert [m.commission_rate > 0 for m in mandates] == [True, False]
    edit = ProductEvent.objects.get(kind=ProductEvent.Kind.UPDATED)
    assert edit.agent == agent and edit.product.company_id == mandates[0].company_id

    assert BuyerProfile.objects.get().buyer_company.verified
    proposal = BusinessProposal.objects.get()
    assert (proposal.agent, proposal.status, proposal.company_id) == (agent, "interested", mandates[0].company_id)

    conference = MatchmakingEvent.objects.get()
    meetings = list(conference.meetings.order_by("starts_at"))
    assert [m.status for m in meetings] == ["scheduled", "scheduled"]
    assert len({m.starts_at for m in meetings}) == 2  # one buyer, two SMEs: two slots
    assert len({m.company_id for m in meetings}) == 2
    assert all(Meeting.objects.filter(pk=m.pk, starts_at__gte=conference.starts_at).exists() for m in meetings)
    return None


def after_second_load(second: str, state) -> None:
    assert "nothing changed" in second
