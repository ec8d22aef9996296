"""The platform's quality mark (ADR 0026) in what the connectors send: each channel that has a
place for it gets it (Kmall24 a badge, buyKOREA a certification, Amazon a bullet point, eBay an
item specific; Tmall's item schema has none), awarding it is a change incremental syndication
sends, and once it lapses the next run takes it off. Over HTTP, against the channel simulator."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from integrations.models import Channel, ChannelListing
from marketplace.models import PlatformMark
from marketplace.services.marks import PLATFORM_STANDARD, platform_mark_award, platform_mark_revoke
from tests.factories import OperatorFactory, active_brand
from tests.integrations.syndication_helpers import channel, listable
from tests.integrations.test_jobs import run

pytestmark = pytest.mark.django_db

UNTIL = datetime(2031, 3, 31, 9, 0, tzinfo=UTC)
EN = "Platform quality mark: inspected and verified, valid until 2031-03-31"

# Where each simulated channel keeps the mark of a listing it holds (None: not there).
MARK_AT = {
    "kmall24": lambda data: data["badges"] or None,
    "buykorea": lambda data: data["certifications"] or None,
    "amazon": lambda data: (
        [b["value"] for b in data["attributes"]["bullet_point"] if "quality mark" in b["value"]] or None
    ),
    "ebay": lambda data: data["item"]["product"]["aspects"].get("Quality Mark"),
}
SHOWN = {
    "kmall24": [{"code": "platform_quality_mark", "valid_until": "2031-03-31"}],
    "buykorea": [{"name": "Platform quality mark", "validUntil": "2031-03-31"}],
    "amazon": [EN],
    "ebay": ["Platform quality mark, valid until 2031-03-31"],
}


def every_channel_product():
    """A branded B2C-and-B2B product with what all five simulated channels ask for."""
    brand = active_brand()
    return listable(
        brand.lead_company,
        brand=brand,
        mode="both",
        moq=10,
        lead_time_days=21,
        incoterms=["FOB", "DAP"],
        price_tiers=[{"min_quantity": 10, "unit_price": Decimal("18000")}],
    )


def award(item) -> PlatformMark:
    mark = platform_mark_award(
        actor=OperatorFactory(), product=item, results={code: {"passed": True} for code in PLATFORM_STANDARD}
    )
    PlatformMark.objects.filter(pk=mark.pk).update(expires_at=UNTIL)
    return mark


def held(sim, code, item) -> dict:
    [row] = [row for row in sim.listings(code) if row["sku"] == item.slug]
    return row["data"]


@pytest.mark.parametrize("code", sorted(MARK_AT))
def test_the_mark_reaches_the_channel_on_the_next_incremental_run_and_leaves_when_it_lapses(channel_simulator, code):
    chan = channel(channel_simulator, code)
    item = every_channel_product()
    first = run(chan, "full")
    assert first.job.counts["live"] == 1, first.outcomes
    assert MARK_AT[code](held(channel_simulator, code, item)) is None

    mark = award(item)
    marked = run(chan)
    assert (marked.job.counts["sent"], marked.job.counts["live"], marked.job.counts["unchanged"]) == (1, 1, 0)
    assert MARK_AT[code](held(channel_simulator, code, item)) == SHOWN[code]
    listing = ChannelListing.objects.get(channel=chan, product=item)
    assert listing.last_sent_hash not in ("", item.content_hash)

    # Nothing changed since: the marked product is compared (not built into a push) and left alone.
    quiet = run(chan)
    assert (quiet.job.counts["sent"], quiet.job.counts["unchanged"]) == (0, 1)

    # The mark expires: the next run sends the product again, without it.
    past = timezone.now() - timedelta(days=1)
    PlatformMark.objects.filter(pk=mark.pk).update(awarded_at=past - timedelta(days=365), expires_at=past)
    lapsed = run(chan)
    assert (lapsed.job.counts["sent"], lapsed.job.counts["live"]) == (1, 1)
    assert MARK_AT[code](held(channel_simulator, code, item)) is None
    assert ChannelListing.objects.get(pk=listing.pk).last_sent_hash not in (item.content_hash, listing.last_sent_hash)


def test_a_revoked_mark_leaves_the_channel_and_amazon_japan_gets_it_in_japanese(channel_simulator):
    us = channel(channel_simulator, "amazon")
    japan = Channel.objects.create(
        code="amazon-jp",
        connector="amazon",
        name="Amazon Japan",
        locales=["ja"],
        currency="JPY",
        destination_country="JP",
        base_url=f"{channel_simulator.url}/amazon-jp",
        category_mapping=us.category_mapping,
        batch_size=10,
    )
    item = every_channel_product()
    mark = award(item)
    assert run(japan, "full").job.counts["live"] == 1
    bullets = [b["value"] for b in held(channel_simulator, "amazon-jp", item)["attributes"]["bullet_point"]]
    assert bullets[-1] == "プラットフォーム品質マーク：検査・確認済み、2031-03-31まで有効"

    platform_mark_revoke(actor=OperatorFactory(), mark=mark, reason="Complaints about the glaze.")
    assert run(japan).job.counts["sent"] == 1
    bullets = [b["value"] for b in held(channel_simulator, "amazon-jp", item)["attributes"]["bullet_point"]]
    assert len(bullets) == 1 and "品質マーク" not in bullets[0]


def test_tmall_has_no_place_for_the_mark_and_its_payload_stays_the_same(channel_simulator):
    tmall = channel(channel_simulator, "tmall")
    item = every_channel_product()
    assert run(tmall, "full").job.counts["live"] == 1
    before = held(channel_simulator, "tmall", item)

    award(item)
    again = run(tmall)

    # The listing's hash includes the mark for every channel, so Tmall gets one identical resend.
    assert again.job.counts["sent"] == 1
    assert held(channel_simulator, "tmall", item) == before
