"""`load_demo` syndicates the demo catalogue to the five simulated channels, starting a simulator
itself when none runs (it runs before `make run` starts one): some products live, others
rejected with their reasons, on every channel; a second load sends nothing and changes nothing."""

import socket
from io import StringIO

import pytest
from django.core.management import call_command

from core.models import Job
from integrations.models import Channel, ChannelListing, SyndicationJob

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_demo_syncs_five_channels_with_live_and_rejected_listings(settings):
    settings.CHANNEL_SIMULATOR_URL = f"http://127.0.0.1:{_free_port()}"
    call_command("load_demo", stdout=StringIO())

    assert sorted(Channel.objects.values_list("code", flat=True)) == ["amazon", "buykorea", "ebay", "kmall24", "tmall"]
    for channel in Channel.objects.all():
        syndication = SyndicationJob.objects.get(channel=channel)
        assert syndication.job.status in (Job.Status.SUCCEEDED, Job.Status.PARTIALLY_FAILED), syndication.job.errors
        listings = ChannelListing.objects.filter(channel=channel)
        assert listings.filter(status="live").exists(), channel.code
        rejected = listings.filter(status="rejected")
        assert rejected.exists(), channel.code
        for listing in rejected:
            assert listing.blocking_issue_codes and all(i["message"] for i in listing.issues)
    tmall_codes = {
        c for listing in ChannelListing.objects.filter(channel__code="tmall") for c in listing.blocking_issue_codes
    }
    assert "category_unmapped" in tmall_codes

    before = list(ChannelListing.objects.order_by("pk").values())
    out = StringIO()
    call_command("load_demo", stdout=out)  # no simulator runs now: nothing is sent
    assert "nothing changed" in out.getvalue()
    assert SyndicationJob.objects.count() == 5
    assert list(ChannelListing.objects.order_by("pk").values()) == before
