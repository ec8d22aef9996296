"""Syndication fees: a listing live during a month is charged once for it, on the channel's tariff,
co-financed like every fee; a rerun charges nothing more."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from integrations.models import ChannelListing
from integrations.services import channel_listing_fees_charge
from marketplace.models import Fee, FeeKind, FeeRate
from tests.integrations.test_sync import live_on

pytestmark = pytest.mark.django_db


def _at(day: str):
    return timezone.make_aware(datetime.fromisoformat(day))


def test_live_listings_are_charged_once_per_month_on_the_channel_rate(channel_simulator):
    chan, (item, other, gone) = live_on(channel_simulator, count=3)
    FeeRate.objects.create(
        kind=FeeKind.SYNDICATION,
        scope="channel:kmall24",
        basis=FeeRate.Basis.PER_UNIT,
        value=Decimal("3.5"),
        currency="USD",
        valid_from=_at("2020-01-01").date(),
    )
    ChannelListing.objects.filter(product=item).update(live_at=_at("2026-10-20"))
    ChannelListing.objects.filter(product=other).update(live_at=_at("2026-11-02"))  # went live later
    ChannelListing.objects.filter(product=gone).update(
        live_at=_at("2026-09-01"), status=ChannelListing.Status.DELISTED, delisted_at=_at("2026-09-30")
    )

    assert channel_listing_fees_charge(period="2026-10") == 1
    fee = Fee.objects.get(kind=FeeKind.SYNDICATION)
    assert (fee.company_id, fee.cause_type, fee.cause_id, fee.period) == (
        item.company_id,
        "listing:kmall24",
        item.pk,
        "2026-10",
    )
    assert (fee.amount, fee.currency) == (Decimal("3.50"), "USD")
    assert timezone.localtime(fee.charged_at).date().isoformat() == "2026-10-31"

    assert channel_listing_fees_charge(period="2026-10") == 1  # the same listing, the same fee
    assert Fee.objects.filter(kind=FeeKind.SYNDICATION).count() == 1
    assert channel_listing_fees_charge(period="2026-11") == 2
    assert Fee.objects.filter(kind=FeeKind.SYNDICATION).count() == 3
    del chan
