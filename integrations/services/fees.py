"""Syndication fees: each listing live on a channel at some point of a month is charged once for
that month, through marketplace's fee ledger (which co-finances it and refuses a second charge)."""

from datetime import datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from integrations.models import ChannelListing
from marketplace.models import FeeKind
from marketplace.services.fees import fee_charge


def _month_bounds(period: str) -> tuple[datetime, datetime]:
    year, month = (int(part) for part in period.split("-"))
    start = datetime(year, month, 1)
    end = datetime(year + month // 12, month % 12 + 1, 1)
    return timezone.make_aware(start), timezone.make_aware(end)


def channel_listing_fees_charge(*, period: str) -> int:
    """Charges the month's syndication fees; returns how many listings it charged (again: the same
    fees, so a rerun or a redelivered task charges nothing twice). Dated on the month's last day,
    so they fall in that month's statement."""
    start, end = _month_bounds(period)
    charged_at = timezone.make_aware(datetime.combine((end - timedelta(days=1)).date(), time(23, 0)))
    listings = (
        ChannelListing.objects.filter(live_at__lt=end)
        .filter(Q(delisted_at__isnull=True) | Q(delisted_at__gte=start))
        .exclude(status__in=[ChannelListing.Status.PENDING, ChannelListing.Status.REJECTED])
        .select_related("channel", "product__company")
        .order_by("pk")
    )
    count = 0
    for listing in listings.iterator(chunk_size=500):
        fee_charge(
            company=listing.product.company,
            kind=FeeKind.SYNDICATION,
            cause_type=f"listing:{listing.channel.code}",
            cause_id=listing.product_id,
            period=period,
            scope=f"channel:{listing.channel.code}",
            charged_at=charged_at,
        )
        count += 1
    return count
