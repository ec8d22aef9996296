"""`load_demo` syndicates the demo catalogue to the six simulated channels (Amazon in the US and
Japan), starting a simulator itself when none runs (it runs before `make run` starts one): some products live, others
rejected with their reasons, on every channel; a second load sends nothing and changes nothing.
tests/test_demo.py runs these checks on its one load of the whole demo (a load takes half a minute).
"""

import socket

from core.models import Job
from integrations.models import Channel, ChannelListing, SyndicationJob

MODELS = [Channel, ChannelListing, SyndicationJob, Job]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def after_first_load(first: str):
    codes = ["amazon", "amazon-jp", "buykorea", "ebay", "kmall24", "tmall"]
    assert sorted(Channel.objects.values_list("code", flat=True)) == codes
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

    return None


def after_second_load(second: str, state) -> None:
    # The demo's own simulator stopped with the first load: nothing may be sent now.
    assert "nothing changed" in second
    assert SyndicationJob.objects.count() == 6
