"""Readiness: one verdict per product and channel, with every blocking issue under a code that
means the same on every channel; the per-product view and the channel-listings filters."""

import pytest

from integrations.models import ChannelListing
from integrations.selectors import listing_data_for, listing_data_list
from integrations.services import syndication_job_plan, syndication_job_start
from tests.factories import OperatorFactory, active_brand, owner_of
from tests.integrations.syndication_helpers import channel, listable

pytestmark = pytest.mark.django_db


def test_product_readiness_names_every_blocking_issue_per_channel(api, channel_simulator):
    channel(channel_simulator, "kmall24")
    good = listable()
    partial = listable(good.company, locales=("ko", "en"), images=1)

    api.as_user(owner_of(good.company))
    verdict = api.get(f"/api/v1/products/{good.pk}/readiness/").json()
    by_channel = {c["channel"]: c for c in verdict["channels"]}
    assert by_channel["kmall24"]["ready"] is True, by_channel["kmall24"]["issues"]
    assert verdict["ready_everywhere"] is True

    verdict = api.get(f"/api/v1/products/{partial.pk}/readiness/").json()
    kmall = {c["channel"]: c for c in verdict["channels"]}["kmall24"]
    assert kmall["ready"] is False
    assert {"missing_locale", "image_count"} <= set(kmall["blocking_issue_codes"])
    assert {i["attribute"] for i in kmall["issues"] if i["code"] == "missing_locale" and i["severity"] == "error"} >= {
        "titles.zh-hans",
        "titles.ja",
    }
    assert channel_simulator.requests() == []  # a dry run sends nothing


def test_customs_and_brand_conformity_block_readiness(api, channel_simulator):
    channel(channel_simulator, "kmall24", destination_country="CN")
    # 3304 (cosmetics) needs an import licence in China (logistics' seeded trade rules).
    cream = listable(hs_code="330499")
    api.as_user(OperatorFactory())
    [verdict] = api.get(f"/api/v1/products/{cream.pk}/readiness/").json()["channels"]
    assert verdict["destination_country"] == "CN"
    assert verdict["blocking_issue_codes"] == ["licence_required"]
    assert any(i["source"] == "customs" for i in verdict["issues"])


def test_readiness_of_another_companys_product_is_404(api, channel_simulator):
    channel(channel_simulator, "kmall24")
    item = listable()
    stranger = listable()
    api.as_user(owner_of(stranger.company))
    assert api.get(f"/api/v1/products/{item.pk}/readiness/").status_code == 404
    assert api.get("/api/v1/products/999999999999999999/readiness/").status_code == 404


def test_channel_listings_filter_by_issue_code_and_sme_sees_own_only(api, channel_simulator):
    kmall = channel(channel_simulator, "kmall24")
    mine = listable(locales=("ko", "en"))
    ready = listable(mine.company)
    theirs = listable(locales=("ko", "en"))
    syndication = syndication_job_start(actor=OperatorFactory(), channel=kmall, mode="full", run=False)
    from integrations.services.batches import _inline

    _inline.active = True
    try:
        syndication_job_plan(syndication_id=syndication.pk)
    finally:
        _inline.active = False

    api.as_user(owner_of(mine.company))
    rows = api.get("/api/v1/channel-listings/?channel=kmall24&issue_code=missing_locale").json()["results"]
    assert [r["product"] for r in rows] == [mine.pk]
    assert "missing_locale" in rows[0]["blocking_issue_codes"]
    ready_rows = api.get("/api/v1/channel-listings/?channel=kmall24&ready=true").json()["results"]
    assert [r["product"] for r in ready_rows] == [ready.pk]
    api.as_user(OperatorFactory())
    rows = api.get("/api/v1/channel-listings/?channel=kmall24&issue_code=missing_locale").json()["results"]
    assert {r["product"] for r in rows} == {mine.pk, theirs.pk}
    assert ChannelListing.objects.get(product=mine).status == ChannelListing.Status.REJECTED


def test_listing_data_queries_do_not_grow_with_the_batch(django_assert_max_num_queries, channel_simulator):
    items = [listable() for _ in range(2)]
    # The rows: products, five relations, stock. With the instances readiness reads: six more.
    with django_assert_max_num_queries(7) as rows:
        listing_data_for([i.pk for i in items])
    with django_assert_max_num_queries(13) as pairs:
        listing_data_list([i.pk for i in items])
    items += [listable() for _ in range(8)]
    with django_assert_max_num_queries(len(rows.captured_queries)):
        data = listing_data_for([i.pk for i in items])
    with django_assert_max_num_queries(len(pairs.captured_queries)):
        paired = listing_data_list([i.pk for i in items])
    assert len(data) == 10
    assert all(d.image_urls and d.titles["zh-hans"] for d in data)
    assert [d for _, d in paired] == data
    assert [p.pk for p, _ in paired] == [d.product_id for d in data]


def test_one_product_ready_on_ebay_but_not_on_tmall_and_why(api, channel_simulator):
    for code in ("ebay", "tmall"):
        channel(channel_simulator, code)
    brand = active_brand()
    item = listable(brand.lead_company, brand=brand, locales=("ko", "en"))  # eBay and Amazon want a brand
    api.as_user(owner_of(item.company))
    verdicts = {c["channel"]: c for c in api.get(f"/api/v1/products/{item.pk}/readiness/").json()["channels"]}
    assert verdicts["ebay"]["ready"] is True, verdicts["ebay"]["issues"]
    assert verdicts["tmall"]["ready"] is False
    assert "missing_locale" in verdicts["tmall"]["blocking_issue_codes"]
    assert verdicts["tmall"]["destination_country"] == "CN"
