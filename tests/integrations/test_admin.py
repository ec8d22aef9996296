"""The admin door: operators start syncs from the channel list and see jobs with their outcomes;
SME staff see their own products' channel listings only; a base URL into a private network is
refused on the form, naming the field."""

import pytest

from integrations.models import Channel, ChannelListing, SyndicationJob
from tests.factories import OperatorFactory, owner_of
from tests.integrations.syndication_helpers import channel, listable

pytestmark = pytest.mark.django_db


def test_operator_starts_a_sync_from_the_channel_list_and_reads_the_job(client, channel_simulator):
    kmall = channel(channel_simulator, "kmall24")
    listable()
    operator = OperatorFactory()
    client.force_login(operator)
    response = client.post(
        "/admin/integrations/channel/",
        {"action": "start_full", "_selected_action": [kmall.pk]},
        follow=True,
    )
    assert response.status_code == 200
    syndication = SyndicationJob.objects.get()
    assert syndication.mode == "full" and syndication.job.owner == operator
    page = client.get(f"/admin/integrations/syndicationjob/{syndication.pk}/change/")
    assert page.status_code == 200


def test_sme_staff_see_only_their_listings(client, channel_simulator):
    kmall = channel(channel_simulator, "kmall24")
    mine, theirs = listable(), listable()
    for item in (mine, theirs):
        ChannelListing.objects.create(channel=kmall, product=item, issues=[], blocking_codes="")
    owner = owner_of(mine.company)
    owner.is_staff = True
    owner.save()
    client.force_login(owner)
    page = client.get("/admin/integrations/channellisting/")
    assert page.status_code == 200
    assert mine.slug in page.content.decode() and theirs.slug not in page.content.decode()
    assert client.get("/admin/integrations/channel/").status_code == 403
    assert client.get("/admin/integrations/syndicationjob/").status_code == 403


def test_a_private_base_url_is_refused_naming_the_field(client, settings):
    settings.CHANNEL_ALLOW_PRIVATE_URLS = False
    client.force_login(OperatorFactory())
    response = client.post(
        "/admin/integrations/channel/add/",
        {
            "code": "ebay",
            "name": "eBay",
            "connector": "ebay",
            "base_url": "http://169.254.169.254/latest",
            "locales": '["en"]',
            "currency": "USD",
            "destination_country": "US",
            "category_mapping": "{}",
            "rate_limit_per_second": 10,
            "batch_size": 25,
            "sync_interval_minutes": 60,
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert "base_url" in response.context["adminform"].form.errors
    assert not Channel.objects.exists()
