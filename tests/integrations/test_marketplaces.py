"""More than one channel per marketplace connector: Amazon US and Amazon Japan are two channels of
the amazon connector, each with its own locale, currency, destination, readiness, jobs, orders
and credentials (issue 19)."""

import pytest

from integrations.models import Channel, ChannelListing
from integrations.selectors import channel_config
from integrations.services import channel_orders_import, syndication_job_run_inline, syndication_job_start
from logistics.services import stock_receive
from marketplace.models import Order
from tests.factories import OperatorFactory, active_brand
from tests.integrations.syndication_helpers import channel, listable
from tests.logistics.helpers import network

pytestmark = pytest.mark.django_db(transaction=True)

JAPAN = {"name": "Amazon Japan", "locales": ["ja"], "currency": "JPY", "destination_country": "JP"}


def amazon_us_and_jp(sim):
    us = channel(sim, "amazon")
    jp = Channel.objects.create(
        code="amazon-jp",
        connector="amazon",
        base_url=f"{sim.url}/amazon-jp",
        category_mapping=us.category_mapping,
        batch_size=10,
        **JAPAN,
    )
    return us, jp


def sync(chan):
    syndication = syndication_job_start(actor=OperatorFactory(), channel=chan, mode="full", run=False)
    syndication_job_run_inline(syndication=syndication)
    return syndication


def sellable(**overrides):
    """A product Amazon takes (it needs a brand)."""
    brand = active_brand()
    return listable(brand.lead_company, brand=brand, **overrides)


def test_amazon_us_and_japan_each_get_their_language_currency_and_readiness(channel_simulator):
    us, jp = amazon_us_and_jp(channel_simulator)
    item = sellable()
    english_only = listable(item.company, brand=item.brand, locales=("ko", "en"))

    sync(us), sync(jp)

    for chan in (us, jp):
        listing = ChannelListing.objects.get(channel=chan, product=item)
        assert listing.status == "live", (chan.code, listing.issues)
    assert ChannelListing.objects.get(channel=us, product=english_only).status == "live"
    blocked = ChannelListing.objects.get(channel=jp, product=english_only)
    assert blocked.status != "live" and "missing_locale" in blocked.blocking_issue_codes
    assert {row["sku"] for row in channel_simulator.listings("amazon")} == {item.slug, english_only.slug}
    assert {row["sku"] for row in channel_simulator.listings("amazon-jp")} == {item.slug}
    sent_jp = [str(r["body"]) for r in channel_simulator.requests("amazon-jp") if r["body"]]
    assert sent_jp and all("A1VC38T7YXB528" in body and "ATVPDKIKX0DER" not in body for body in sent_jp)
    assert any("ja_JP" in body and "JPY" in body for body in sent_jp)
    sent_us = [str(r["body"]) for r in channel_simulator.requests("amazon") if r["body"]]
    assert sent_us and all("A1VC38T7YXB528" not in body for body in sent_us)


def test_orders_are_imported_per_marketplace(channel_simulator):
    hubs = network()
    us, jp = amazon_us_and_jp(channel_simulator)
    item = sellable()
    sync(us), sync(jp)
    stock_receive(variant=item.variants.get(), warehouse=hubs["lax"], quantity=5, reference="asn:1")
    placed = channel_simulator.create_orders("amazon-jp", [item.slug], [1])

    assert channel_orders_import(channel_id=us.pk) == 0
    assert channel_orders_import(channel_id=jp.pk) == 1
    order = Order.objects.get()
    assert (order.source, order.channel, order.currency) == ("channel", "amazon-jp", "JPY")
    assert placed["AmazonOrderId"] == order.external_id


def test_a_channel_takes_its_connectors_credentials_and_its_own_over_them(settings, channel_simulator):
    us, jp = amazon_us_and_jp(channel_simulator)
    settings.CHANNEL_CREDENTIALS = {
        **settings.CHANNEL_CREDENTIALS,
        "amazon-jp": {"token": "jp-token"},
    }
    assert channel_config(us).credentials["token"] == settings.CHANNEL_CREDENTIALS["amazon"]["token"]
    assert channel_config(jp).credentials["token"] == "jp-token"
    assert channel_config(jp).credentials["seller_id"] == settings.CHANNEL_CREDENTIALS["amazon"]["seller_id"]
    assert channel_config(jp).connector == "amazon" and channel_config(jp).code == "amazon-jp"


def test_the_simulator_refuses_a_channel_of_no_connector(channel_simulator):
    import requests

    assert requests.get(f"{channel_simulator.url}/shopee-sg/listings", timeout=5).status_code == 404
