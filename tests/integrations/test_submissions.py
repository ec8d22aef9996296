"""Amazon listings a batch left `submitted` (its feed status calls failed while it polled) are
resolved later by the beat's service, over real HTTP against the simulator: to live, to rejected
from the feed's processing report, not while the channel is down, and only the channel's own
listings submitted long enough ago."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import Job
from integrations.connectors.amazon import AmazonConnector
from integrations.http.errors import ChannelUnavailable
from integrations.models import ChannelListing
from integrations.services import channel_submissions_resolve, syndication_job_run_inline, syndication_job_start
from integrations.tasks import channel_submissions_resolve_task
from tests.factories import OperatorFactory, active_brand
from tests.integrations.syndication_helpers import channel, listable, quick_breaker_limits

pytestmark = pytest.mark.django_db
L = ChannelListing.Status
RESET = 0.5
FEED_POLLS_TO_DONE = 3  # the simulator's feed: IN_QUEUE, IN_PROGRESS, DONE


@pytest.fixture(autouse=True)
def quick_breaker(settings):
    quick_breaker_limits(settings, reset=RESET, max_attempts=2)


def amazon(sim, **overrides):
    return channel(sim, "amazon", **overrides)


@pytest.fixture
def sellable():
    """Products Amazon takes: they need a brand."""
    brand = active_brand()
    return lambda: listable(brand.lead_company, brand=brand)


def submit_unanswered(sim, chan, product) -> ChannelListing:
    """Syndicates `product` while every feed status call fails: the feed goes in (the first
    request), the batch polls in vain and leaves the listing submitted. Then the faults are
    lifted, the breaker's reset interval passes, and the listing is backdated past `older_than`."""
    sim.control(channel="amazon", next=["ok"], error_rate=1.0)
    syndication = syndication_job_start(
        actor=OperatorFactory(), channel=chan, mode="full", products=[product.pk], run=False
    )
    syndication_job_run_inline(syndication=syndication)
    syndication.job.refresh_from_db()
    assert syndication.job.status == Job.Status.SUCCEEDED, syndication.job.errors
    assert syndication.job.counts["submitted"] == 1, syndication.job.counts
    sim.control(channel="amazon", clear=True)
    time.sleep(RESET + 0.1)
    listing = ChannelListing.objects.get(channel=chan, product=product)
    assert listing.status == L.SUBMITTED and "/" in listing.external_id
    ChannelListing.objects.filter(pk=listing.pk).update(submitted_at=timezone.now() - timedelta(minutes=10))
    listing.refresh_from_db()
    return listing


def feed_of(listing: ChannelListing) -> str:
    return listing.external_id.split("/")[0]


def feed_requests(sim, feed_id: str) -> list[dict]:
    return [r for r in sim.requests("amazon") if feed_id in r["path"]]


def test_a_listing_left_submitted_is_resolved_to_live_by_the_beat_and_then_left_alone(channel_simulator, sellable):
    chan = amazon(channel_simulator)
    product = sellable()
    listing = submit_unanswered(channel_simulator, chan, product)
    feed_id = feed_of(listing)
    failed_polls = [r for r in feed_requests(channel_simulator, feed_id) if r["status"] == 500]
    assert failed_polls  # the batch did ask, and was answered 500
    assert list(listing.events.values_list("to_status", flat=True)) == ["submitted"]

    # The feed needs three status reads: the first two beats leave it as it is.
    for _ in range(FEED_POLLS_TO_DONE - 1):
        assert channel_submissions_resolve_task() == {"live": 0, "rejected": 0, "still_submitted": 1}
        listing.refresh_from_db()
        assert listing.status == L.SUBMITTED and listing.live_at is None
        assert listing.events.count() == 1
    assert channel_submissions_resolve_task() == {"live": 1, "rejected": 0, "still_submitted": 0}

    listing.refresh_from_db()
    assert listing.status == L.LIVE and listing.live_at is not None
    assert listing.external_id == product.slug  # Amazon lists it under our seller SKU
    assert not [i for i in listing.issues if i.get("source") == "channel" and i["severity"] == "error"]
    event = listing.events.order_by("-pk").first()
    assert (event.from_status, event.to_status, event.job_id) == (L.SUBMITTED, L.LIVE, None)
    assert [s["sku"] for s in channel_simulator.listings("amazon")] == [product.slug]

    sent = len(channel_simulator.requests("amazon"))
    assert channel_submissions_resolve_task() == {"live": 0, "rejected": 0, "still_submitted": 0}
    assert len(channel_simulator.requests("amazon")) == sent  # nothing left to ask about
    assert listing.events.count() == 2


def test_a_blocking_issue_in_the_feed_report_resolves_to_rejected(channel_simulator, sellable):
    # Valid by our dry run (the category is mapped), but Amazon knows no product type GADGET.
    chan = amazon(channel_simulator, category_mapping={"home/tableware": "GADGET"})
    product = sellable()
    listing = submit_unanswered(channel_simulator, chan, product)
    assert listing.ready is True

    counts = [channel_submissions_resolve(channel=chan) for _ in range(FEED_POLLS_TO_DONE)]
    assert counts[-1] == {"live": 0, "rejected": 1, "still_submitted": 0}, counts

    listing.refresh_from_db()
    assert listing.status == L.REJECTED and listing.rejected_at is not None and listing.ready is False
    channel_issues = [i for i in listing.issues if i.get("source") == "channel"]
    assert [(i["code"], i["severity"]) for i in channel_issues if i["severity"] == "error"] == [
        ("category_unmapped", "error")
    ]
    assert "category_unmapped" in listing.blocking_issue_codes
    event = listing.events.order_by("-pk").first()
    assert (event.from_status, event.to_status) == (L.SUBMITTED, L.REJECTED)
    assert "GADGET" in event.message
    assert channel_simulator.listings("amazon") == []


def test_with_the_channel_down_the_listing_stays_submitted_and_nothing_raises(channel_simulator, sellable):
    chan = amazon(channel_simulator)
    listing = submit_unanswered(channel_simulator, chan, sellable())
    channel_simulator.control(channel="amazon", outage=True)

    for _ in range(FEED_POLLS_TO_DONE + 1):
        assert channel_submissions_resolve_task() == {"live": 0, "rejected": 0, "still_submitted": 1}
    listing.refresh_from_db()
    assert listing.status == L.SUBMITTED and listing.events.count() == 1
    asked = feed_requests(channel_simulator, feed_of(listing))
    assert asked and {r["status"] for r in asked} <= {500, 503}

    # Back up: the next beats (after the breaker's reset interval) resolve it.
    channel_simulator.control(channel="amazon", clear=True)
    time.sleep(RESET + 0.1)
    results = [channel_submissions_resolve_task() for _ in range(FEED_POLLS_TO_DONE)]
    assert results[-1]["live"] == 1, results
    listing.refresh_from_db()
    assert listing.status == L.LIVE


def test_a_connector_whose_poll_raises_a_channel_error_does_not_fail_the_beat(channel_simulator, sellable, monkeypatch):
    chan = amazon(channel_simulator)
    listing = submit_unanswered(channel_simulator, chan, sellable())

    def down(self, results):
        raise ChannelUnavailable("amazon: breaker open.", channel="amazon")

    monkeypatch.setattr(AmazonConnector, "poll", down)
    assert channel_submissions_resolve_task() == {"live": 0, "rejected": 0, "still_submitted": 1}
    listing.refresh_from_db()
    assert listing.status == L.SUBMITTED and listing.events.count() == 1


def test_only_the_channels_own_listings_submitted_long_enough_ago_are_polled(channel_simulator, sellable):
    chan = amazon(channel_simulator)
    old = submit_unanswered(channel_simulator, chan, sellable())
    young = submit_unanswered(channel_simulator, chan, sellable())
    ChannelListing.objects.filter(pk=young.pk).update(submitted_at=timezone.now() - timedelta(seconds=30))
    old_feed, young_feed = feed_of(old), feed_of(young)
    assert old_feed != young_feed
    kmall = channel(channel_simulator, "kmall24")
    before = len(channel_simulator.requests("amazon"))

    # Another channel's run never asks Amazon.
    assert channel_submissions_resolve(channel=kmall) == {"live": 0, "rejected": 0, "still_submitted": 0}
    assert len(channel_simulator.requests("amazon")) == before

    counts = [channel_submissions_resolve(channel=chan) for _ in range(FEED_POLLS_TO_DONE)]
    assert counts[-1] == {"live": 1, "rejected": 0, "still_submitted": 0}, counts
    old.refresh_from_db()
    young.refresh_from_db()
    assert old.status == L.LIVE
    assert young.status == L.SUBMITTED and young.events.count() == 1
    asked = channel_simulator.requests("amazon")[before:]
    assert len(asked) == FEED_POLLS_TO_DONE + 1  # three status reads and the report, all of the old feed
    assert not [r for r in asked if young_feed in r["path"]]
    assert all(old_feed in r["path"] for r in asked if "/feeds/2021-06-30/feeds/" in r["path"])

    # A shorter `older_than` takes the young one too.
    assert channel_submissions_resolve(channel=chan, older_than=timedelta(seconds=10))["still_submitted"] == 1
    assert feed_requests(channel_simulator, young_feed)[-1]["status"] == 200
