"""Matchmaking as the report describes tradeKorea (III.D (b): "buyer DB target marketing ...
composes and sends business proposals to the selected buyers") and the Global Buyer
Conference (III.D (d): business matchmaking with global buyers at scheduled conferences)."""

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from brands.models import Company
from brands.services import mandate_accept, mandate_grant
from core.errors import Conflict
from core.money import Money
from logistics.demo import LogisticsDemo
from marketplace.models import RFQ, BusinessProposal, MatchmakingEvent, Meeting
from marketplace.services.matchmaking import (
    buyer_profile_set,
    matchmaking_event_create,
    meeting_request,
    meeting_schedule,
)
from marketplace.services.trade import buyer_company_verify
from tests.factories import OperatorFactory, UserFactory, category, company_with_owner, owner_of
from tests.marketplace.trade_helpers import b2b_product, buyer
from tests.race import run_before

pytestmark = pytest.mark.django_db


def listed_buyer(*, country="DE", name="Berlin Papier GmbH", path="home/lighting", low="1000", high="50000"):
    """A verified buyer company in the directory, and its owner."""
    company, user = buyer(country=country, name=name)
    buyer_company_verify(actor=OperatorFactory(), buyer_company=company)
    buyer_profile_set(
        actor=user,
        buyer_company=company,
        opted_in=True,
        categories=[category(path)],
        min_order=Money(Decimal(low), "USD"),
        max_order=Money(Decimal(high), "USD"),
    )
    return company, user


def event(*, hours_ago=0, hours=3, slot=30):
    start = timezone.now().replace(microsecond=0, second=0) - timedelta(hours=hours_ago)
    return matchmaking_event_create(
        actor=OperatorFactory(),
        name="Global Buyer Conference Seoul",
        mode="in_person",
        venue="COEX Hall C",
        city="Seoul",
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        slot_minutes=slot,
    )


def proposal_body(item, buyer_company, **extra):
    return {
        "company": item.company_id,
        "buyer_company": buyer_company.pk,
        "products": [item.pk],
        "subject": "Hanji mood lamps for your autumn range",
        "terms": "MOQ 100, 5.80 USD from 500, DDP Hamburg, samples free.",
        **extra,
    }


# --- the directory ----------------------------------------------------------------------------


def test_the_directory_lists_verified_buyers_that_opted_in_filtered_by_country_category_and_size(api):
    berlin, _ = listed_buyer()
    tokyo, _ = listed_buyer(country="JP", name="Tokyo Zakka", path="home/textiles", low="100", high="900")
    hidden, hidden_owner = buyer(name="Not verified yet")
    buyer_profile_set(actor=hidden_owner, buyer_company=hidden, opted_in=True, categories=[])
    opted_out, owner = listed_buyer(name="Opted out")
    buyer_profile_set(actor=owner, buyer_company=opted_out, opted_in=False, categories=[])
    api.as_user(owner_of(company_with_owner()))

    def names(**query):
        response = api.get("/api/v1/buyer-directory/", query)
        assert response.status_code == 200, response.json()
        return [row["name"] for row in response.json()["results"]]

    assert names() == ["Berlin Papier GmbH", "Tokyo Zakka"]
    assert names(country="jp") == ["Tokyo Zakka"]
    assert names(category=category("home").pk) == ["Berlin Papier GmbH", "Tokyo Zakka"]
    assert names(category=category("home/lighting").pk) == ["Berlin Papier GmbH"]
    assert names(order_size="5000") == ["Berlin Papier GmbH"]
    assert names(order_size="500") == ["Tokyo Zakka"]
    row = api.get("/api/v1/buyer-directory/", {"country": "DE"}).json()["results"][0]
    assert row["min_order"] == {"amount": "1000.00", "currency": "USD"}
    assert row["categories"] == ["home/lighting"]
    # A user who is no SME's staff does not search the directory.
    assert api.as_user(UserFactory()).get("/api/v1/buyer-directory/").status_code == 403
    assert berlin.pk and tokyo.pk


def test_a_buyer_owner_sets_its_profile_with_order_sizes_in_any_currency_stored_in_usd(api):
    company, user = buyer()
    body = {
        "buyer_company": company.pk,
        "categories": [category("home/lighting").pk],
        "min_order": {"amount": "1380000", "currency": "KRW"},
        "interests": "Paper lighting, eco packaging",
    }
    response = api.as_user(user).post("/api/v1/buyer-profiles/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["min_order"]["currency"] == "USD"
    assert Decimal(response.json()["min_order"]["amount"]) > 0
    bad = {**body, "max_order": {"amount": "1", "currency": "USD"}}
    response = api.post("/api/v1/buyer-profiles/", bad, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "max_order"
    # Another user cannot set it.
    response = api.as_user(UserFactory()).post("/api/v1/buyer-profiles/", body, format="json")
    assert response.status_code == 403


# --- proposals --------------------------------------------------------------------------------


def test_an_sme_proposes_and_the_buyer_asks_for_a_quote_which_opens_an_rfq_the_sme_quotes(api):
    LogisticsDemo(Counter()).load_network()
    item = b2b_product()
    berlin, buyer_user = listed_buyer()
    sme = owner_of(item.company)
    response = api.as_user(sme).post("/api/v1/proposals/", proposal_body(item, berlin), format="json")
    assert response.status_code == 201, response.json()
    proposal = response.json()
    assert (proposal["status"], proposal["products"], proposal["agent"]) == ("sent", [item.pk], None)
    # The SME cannot answer its own proposal; the buyer can.
    assert api.post(f"/api/v1/proposals/{proposal['id']}/answer/", {"answer": "interested"}).status_code == 403
    api.as_user(buyer_user)
    response = api.post(f"/api/v1/proposals/{proposal['id']}/answer/", {"answer": "quote_requested"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "quantity"
    answer = {"answer": "quote_requested", "quantity": 500, "message": "Quote 500 DDP Hamburg please."}
    response = api.post(f"/api/v1/proposals/{proposal['id']}/answer/", answer)
    assert response.status_code == 200, response.json()
    rfq = RFQ.objects.get(pk=response.json()["rfq"])
    assert (rfq.buyer_company, rfq.quantity, rfq.reference_product, str(rfq.destination_country)) == (
        berlin,
        500,
        item,
        "DE",
    )
    assert api.post(f"/api/v1/proposals/{proposal['id']}/answer/", {"answer": "interested"}).status_code == 409
    # The SME sees the RFQ and quotes it through the trade desk.
    api.as_user(sme)
    assert rfq.pk in {row["id"] for row in api.get("/api/v1/rfqs/").json()["results"]}
    quote = {
        "product": item.pk,
        "quantity": 500,
        "incoterm": "DDP",
        "valid_until": str(timezone.localdate() + timedelta(days=10)),
        "lead_time_days": 20,
    }
    response = api.post(f"/api/v1/rfqs/{rfq.pk}/quotes/", quote, format="json")
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    ("change", "attr", "code"),
    [
        ("unlisted_buyer", "buyer_company", 400),
        ("foreign_product", "products", 400),
        ("draft_product", "products", 400),
        ("not_staff", None, 403),
    ],
)
def test_a_bad_proposal_names_the_field_and_writes_nothing(api, change, attr, code):
    item = b2b_product()
    berlin, _ = listed_buyer()
    body = proposal_body(item, berlin)
    user = owner_of(item.company)
    if change == "unlisted_buyer":
        body["buyer_company"] = buyer(name="Unlisted")[0].pk
    elif change == "foreign_product":
        body["products"] = [b2b_product().pk]
    elif change == "draft_product":
        from tests.factories import product

        body["products"] = [product(item.company).pk]
    else:
        user = owner_of(company_with_owner())
    response = api.as_user(user).post("/api/v1/proposals/", body, format="json")
    assert response.status_code == code, response.json()
    if attr:
        assert response.json()["errors"][0]["attr"] == attr
    assert not BusinessProposal.objects.exists()


def test_proposals_are_limited_per_sme_per_day(api, settings):
    settings.MATCHMAKING_PROPOSALS_PER_DAY = 2
    item = b2b_product()
    api.as_user(owner_of(item.company))
    for name in ("A GmbH", "B GmbH"):
        response = api.post("/api/v1/proposals/", proposal_body(item, listed_buyer(name=name)[0]), format="json")
        assert response.status_code == 201
    response = api.post("/api/v1/proposals/", proposal_body(item, listed_buyer(name="C GmbH")[0]), format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert BusinessProposal.objects.count() == 2
    # Another SME has its own allowance.
    other = b2b_product()
    response = api.as_user(owner_of(other.company)).post(
        "/api/v1/proposals/", proposal_body(other, listed_buyer(name="D GmbH")[0]), format="json"
    )
    assert response.status_code == 201


def test_a_trading_company_proposes_for_its_sme_under_a_quotes_mandate(api):
    item = b2b_product()
    agent = company_with_owner(kind=Company.Kind.TRADING_COMPANY)
    offer = mandate_grant(actor=owner_of(item.company), company=item.company, agent=agent, scopes=["quotes"])
    mandate_accept(mandate=offer, actor=owner_of(agent))
    berlin, buyer_user = listed_buyer()
    response = api.as_user(owner_of(agent)).post("/api/v1/proposals/", proposal_body(item, berlin), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["agent"] == agent.pk
    # The buyer sees the SME as the proposer, and the agent named.
    row = api.as_user(buyer_user).get("/api/v1/proposals/").json()["results"][0]
    assert (row["company"], row["agent"]) == (item.company_id, agent.pk)


# --- events and meetings ----------------------------------------------------------------------


def test_an_operator_creates_an_event_and_bad_input_names_the_field(api):
    body = {
        "name": "Online Matchmaking Day",
        "mode": "online",
        "starts_at": "2027-03-02T09:00:00Z",
        "ends_at": "2027-03-02T12:00:00Z",
        "slot_minutes": 20,
    }
    assert api.as_user(owner_of(company_with_owner())).post("/api/v1/matchmaking-events/", body).status_code == 403
    api.as_user(OperatorFactory())
    response = api.post("/api/v1/matchmaking-events/", body)
    assert response.status_code == 201, response.json()
    response = api.post("/api/v1/matchmaking-events/", {**body, "mode": "in_person"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "venue"
    response = api.post("/api/v1/matchmaking-events/", {**body, "ends_at": "2027-03-02T08:00:00Z"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "ends_at"
    response = api.post("/api/v1/matchmaking-events/", {**body, "ends_at": "2028-03-02T08:00:00Z"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "ends_at"
    assert MatchmakingEvent.objects.count() == 1


def test_meetings_are_asked_accepted_into_free_slots_and_noted_afterwards(api):
    conference = event(hours_ago=1, hours=4)
    berlin, buyer_user = listed_buyer()
    first, second = company_with_owner(), company_with_owner()
    api.as_user(buyer_user)
    url = f"/api/v1/matchmaking-events/{conference.pk}/meetings/"
    ids = []
    for sme in (first, second):
        response = api.post(url, {"buyer_company": berlin.pk, "company": sme.pk, "message": "Lamps?"})
        assert response.status_code == 201, response.json()
        ids.append(response.json()["id"])
    assert api.post(url, {"buyer_company": berlin.pk, "company": first.pk}).status_code == 409
    # The buyer asked; it cannot accept its own request. Each SME accepts.
    assert api.post(f"/api/v1/meetings/{ids[0]}/accept/").status_code == 403
    slots = []
    for sme, pk in zip((first, second), ids, strict=True):
        response = api.as_user(owner_of(sme)).post(f"/api/v1/meetings/{pk}/accept/")
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "scheduled"
        slots.append(response.json()["starts_at"])
    # The buyer is in both: two different slots, both still to come.
    assert slots[0] != slots[1]
    # Another company's staff sees neither meeting.
    assert api.as_user(owner_of(company_with_owner())).get(f"/api/v1/meetings/{ids[0]}/").status_code == 404
    # Notes follow a meeting that took place: an operator moves one into the past hour's slot.
    api.as_user(owner_of(first))
    assert api.post(f"/api/v1/meetings/{ids[0]}/notes/", {"notes": "Samples by May."}).status_code == 409
    meeting_schedule(actor=OperatorFactory(), meeting=Meeting.objects.get(pk=ids[0]), starts_at=conference.starts_at)
    response = api.post(f"/api/v1/meetings/{ids[0]}/notes/", {"notes": "Samples by May."})
    assert response.status_code == 200, response.json()
    assert response.json()["sme_notes"] == "Samples by May."
    response = api.as_user(buyer_user).post(f"/api/v1/meetings/{ids[0]}/notes/", {"notes": "Good fit."})
    assert response.json()["buyer_notes"] == "Good fit."


def test_an_operator_cannot_book_a_buyer_twice_in_one_slot(api):
    conference = event()
    berlin, buyer_user = listed_buyer()
    one = meeting_request(actor=buyer_user, event=conference, buyer_company=berlin, company=company_with_owner())
    two = meeting_request(actor=buyer_user, event=conference, buyer_company=berlin, company=company_with_owner())
    api.as_user(OperatorFactory())
    slot = conference.starts_at.isoformat()
    assert api.post(f"/api/v1/meetings/{one.pk}/schedule/", {"starts_at": slot}).status_code == 200
    response = api.post(f"/api/v1/meetings/{two.pk}/schedule/", {"starts_at": slot})
    assert response.status_code == 409
    off_grid = (conference.starts_at + timedelta(minutes=7)).isoformat()
    response = api.post(f"/api/v1/meetings/{two.pk}/schedule/", {"starts_at": off_grid})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "starts_at"


def test_the_database_refuses_a_double_booking_whatever_wrote_it():
    conference = event()
    berlin, buyer_user = listed_buyer()
    one = meeting_request(actor=buyer_user, event=conference, buyer_company=berlin, company=company_with_owner())
    two = meeting_request(actor=buyer_user, event=conference, buyer_company=berlin, company=company_with_owner())
    Meeting.objects.filter(pk=one.pk).update(status="scheduled", starts_at=conference.starts_at)
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.filter(pk=two.pk).update(status="scheduled", starts_at=conference.starts_at)


@pytest.mark.django_db(transaction=True)
def test_two_schedulings_of_one_buyer_into_one_slot_at_once_book_only_one():
    conference = event()
    berlin, buyer_user = listed_buyer()
    one = meeting_request(actor=buyer_user, event=conference, buyer_company=berlin, company=company_with_owner())
    two = meeting_request(actor=buyer_user, event=conference, buyer_company=berlin, company=company_with_owner())
    operator = OperatorFactory()
    slot = conference.starts_at

    def other():
        return meeting_schedule(actor=operator, meeting=two, starts_at=slot)

    # The first scheduling holds the event's lock when the second one starts.
    with run_before(Meeting.objects, "select_for_update", other) as overlap:
        meeting_schedule(actor=operator, meeting=one, starts_at=slot)
    assert overlap.waited_for_lock
    assert isinstance(overlap.error, Conflict)
    statuses = dict(Meeting.objects.values_list("pk", "status"))
    assert statuses == {one.pk: "scheduled", two.pk: "requested"}
