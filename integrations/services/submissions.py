"""Listings an asynchronous channel (Amazon's listings feed) left `submitted`: a batch polls the
feed for a while only, so a feed slower than that, or whose status calls failed, would stay
submitted for good. The beat asks the channel again and stores each definitive answer exactly as
a batch does (the same transition, with its event row)."""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError
from integrations.connectors.base import PushResult
from integrations.models import Channel, ChannelListing
from integrations.selectors import channel_connector
from integrations.services.batches import listing_result_apply

logger = logging.getLogger(__name__)
L = ChannelListing.Status
RESOLVE_LIMIT = 500  # listings per channel and call, oldest first; the next beat takes the rest
DEFINITIVE = ("live", "rejected")


def channel_submissions_resolve(
    *, channel: Channel | None = None, older_than: timedelta = timedelta(minutes=2), limit: int = RESOLVE_LIMIT
) -> dict:
    """Beat: polls each active channel (or the given one) once for its listings submitted longer
    than `older_than` ago and applies the live / rejected answers. A channel that fails (breaker
    open, outage) is asked again next time; returns {"live", "rejected", "still_submitted"}."""
    counts = {"live": 0, "rejected": 0, "still_submitted": 0}
    cutoff = timezone.now() - older_than
    channels = [channel] if channel is not None else Channel.objects.filter(active=True).order_by("pk")
    for chan in channels:
        listings = list(
            ChannelListing.objects.filter(channel=chan, status=L.SUBMITTED, submitted_at__lt=cutoff)
            .exclude(external_id="")
            .select_related("product")
            .order_by("submitted_at", "pk")[:limit]
        )
        if not listings:
            continue
        try:
            found = _resolve(chan, listings)
        except (ApplicationError, OSError) as error:  # ChannelError and ChannelUnavailable among them
            logger.warning(
                "polling %s submitted listings on %s failed, asked again later: %s", len(listings), chan.code, error
            )
            counts["still_submitted"] += len(listings)
            continue
        for key, value in found.items():
            counts[key] += value
    return counts


def _resolve(channel: Channel, listings: list[ChannelListing]) -> dict:
    counts = {"live": 0, "rejected": 0, "still_submitted": 0}
    by_reference = {listing.product.slug: listing for listing in listings}
    asked = [
        PushResult(reference=listing.product.slug, status="submitted", external_id=listing.external_id)
        for listing in listings
    ]
    for answer in channel_connector(channel).poll(asked):
        listing = by_reference.get(answer.reference)
        if listing is None:
            continue
        if answer.temporary or answer.status not in DEFINITIVE:
            counts["still_submitted"] += 1
            continue
        with transaction.atomic():
            locked = ChannelListing.objects.select_for_update().get(pk=listing.pk)
            if locked.status != L.SUBMITTED or locked.external_id != listing.external_id:
                continue  # resolved (or sent again) meanwhile: that newer state stands
            counts[listing_result_apply(locked, answer, None)] += 1
            locked.save()
    return counts
