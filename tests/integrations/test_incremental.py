"""Syndication at scale (issue 16): an incremental run finds what changed by comparing hashes in
SQL before building or rendering anything, trusts a listing's readiness verdict only for
SYNDICATION_RECHECK_HOURS, and a batch stores its answers with statements that do not grow with
its size."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations.models import ChannelListing, ChannelListingEvent
from integrations.services import planning
from listings.services import product_update
from tests.factories import owner_of
from tests.integrations.syndication_helpers import channel, listable
from tests.integrations.test_jobs import run

pytestmark = pytest.mark.django_db


def test_an_unchanged_catalogue_is_found_in_sql_and_only_the_changed_product_is_built(channel_simulator, monkeypatch):
    kmall = channel(channel_simulator, "kmall24")
    items = [listable() for _ in range(4)]
    assert run(kmall, "full").job.counts["live"] == 4
    built = []
    real = planning.listing_data_list

    def spy(ids):
        built.append(list(ids))
        return real(ids)

    monkeypatch.setattr(planning, "listing_data_list", spy)
    sent_before = len(channel_simulator.requests("kmall24"))

    quiet = run(kmall)

    assert quiet.job.counts["unchanged"] == 4 and quiet.job.counts["sent"] == 0
    assert built == [] and len(channel_simulator.requests("kmall24")) == sent_before

    product_update(actor=owner_of(items[1].company), product=items[1], retail_price=items[1].retail_price_amount + 690)
    changed = run(kmall)

    assert built == [[items[1].pk]]
    assert (changed.job.counts["unchanged"], changed.job.counts["sent"], changed.job.counts["live"]) == (3, 1, 1)


def test_a_readiness_verdict_is_trusted_for_the_recheck_window_then_checked_again(channel_simulator, settings):
    settings.SYNDICATION_RECHECK_HOURS = 24
    kmall = channel(channel_simulator, "kmall24")
    cream = listable(hs_code="330499")  # needs an import licence in China, not in the US
    assert run(kmall, "full").job.counts["live"] == 1
    kmall.destination_country = "CN"
    kmall.save()

    trusted = run(kmall)
    assert trusted.job.counts["unchanged"] == 1
    listing = ChannelListing.objects.get(product=cream, channel=kmall)
    assert listing.status == "live"

    ChannelListing.objects.filter(pk=listing.pk).update(checked_at=timezone.now() - timedelta(hours=25))
    rechecked = run(kmall)

    assert rechecked.job.counts["delisted"] == 1, rechecked.job.counts
    listing.refresh_from_db()
    assert listing.status == "delisted" and "licence_required" in listing.blocking_codes


def test_a_batch_locks_and_writes_its_listings_with_statements_flat_in_its_size(channel_simulator):
    kmall = channel(channel_simulator, "kmall24", batch_size=50)

    def statements_of_full_run(new_products: int) -> tuple[int, int]:
        for _ in range(new_products):
            listable()
        with CaptureQueriesContext(connection) as queries:
            job = run(kmall, "full").job
        on_listings = [q["sql"] for q in queries.captured_queries if "integrations_channellisting" in q["sql"]]
        return job.counts["live"], len(on_listings)

    few, few_statements = statements_of_full_run(2)
    many, many_statements = statements_of_full_run(4)  # the first two again, and four new ones

    assert (few, many) == (2, 6)
    assert many_statements == few_statements
    assert ChannelListing.objects.filter(channel=kmall, status="live").count() == 6
    assert ChannelListingEvent.objects.filter(to_status="live").count() == 6  # one per listing that went live


def test_a_full_run_takes_the_same_statements_on_every_table_whatever_the_batch_size(channel_simulator):
    # Readiness and the batch read plain rows, and a batch's answers are written in bulk: no
    # statement per listing on any table (products, listings, events, outbox), not only on listings.
    kmall = channel(channel_simulator, "kmall24", batch_size=50)

    def statements_of_full_run(new_products: int) -> tuple[int, list[str]]:
        for _ in range(new_products):
            listable()
        with CaptureQueriesContext(connection) as queries:
            job = run(kmall, "full").job
        return job.counts["live"], [q["sql"].split(" ", 1)[0] for q in queries.captured_queries]

    few, few_statements = statements_of_full_run(2)
    many, many_statements = statements_of_full_run(6)  # the first two again, and six new ones

    assert (few, many) == (2, 8)
    assert len(many_statements) == len(few_statements)
    assert ChannelListingEvent.objects.filter(to_status="live").count() == 8
