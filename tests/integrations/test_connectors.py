"""Each connector renders and validates by its own channel's rules, and pushes, polls, delists, reads
orders and sends inventory and tracking over real HTTP to the simulator."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from integrations.connectors.base import InventoryLevel, TrackingUpdate
from integrations.http.errors import ChannelRejected
from tests.integrations.conftest import listing_sample


def codes(issues, severity="error"):
    return {i.code for i in issues if i.severity == severity}


# --- kmall24 ------------------------------------------------------------------------------------


def test_kmall24_renders_three_titles_a_usd_price_and_grams(channel_simulator):
    connector = channel_simulator.connector("kmall24")
    sample = listing_sample(base_currency="KRW", retail_price=Decimal("33810"))
    payload = connector.render(sample)
    assert payload["title"] == {"en": "Celadon bowl 1", "zh": "青瓷碗 1", "ja": "青磁の碗 1"}
    assert payload["price"] == {"amount": "24.50", "currency": "USD"}  # 33,810 KRW at 1,380 per USD
    assert payload["shipping_weight_g"] == 450
    assert len(payload["images"]) == 2


def test_kmall24_validate_reaches_each_rule_and_sends_nothing(channel_simulator):
    connector = channel_simulator.connector("kmall24")
    assert codes(connector.validate(listing_sample())) == set()
    bad = listing_sample(
        titles={"en": "x" * 101, "zh-hans": "青瓷碗"},
        image_urls=("https://cdn.example.com/1.jpg",),
        retail_price=Decimal("9000"),
        variants=(replace(listing_sample().variants[0], weight_kg=None),),
        mode="b2b",
    )
    issues = connector.validate(bad)
    assert codes(issues) == {
        "missing_locale",
        "title_too_long",
        "image_count",
        "price_out_of_range",
        "missing_weight",
        "mode_unsupported",
    }
    assert {i.attribute for i in issues if i.code == "missing_locale" and i.blocking} == {"titles.ja"}
    assert codes(connector.validate(listing_sample(retail_price=None))) == {"missing_price"}
    assert channel_simulator.requests() == []


def test_kmall24_push_is_live_once_and_updates_in_place(channel_simulator):
    connector = channel_simulator.connector("kmall24")
    [result] = connector.push([listing_sample()])
    assert result.status == "live" and result.external_id.startswith("KM")
    [again] = connector.push([listing_sample(retail_price=Decimal("25.00"))])
    assert again.external_id == result.external_id
    [row] = channel_simulator.listings("kmall24")
    assert (row["creates"], row["updates"], row["data"]["price"]["amount"]) == (1, 1, "25.00")


def test_kmall24_push_skips_invalid_and_normalises_the_channels_own_refusal(channel_simulator):
    connector = channel_simulator.connector("kmall24")
    bad = listing_sample(image_urls=())
    [result] = connector.push([bad])
    assert result.status == "rejected" and codes(result.issues) == {"image_count"}
    assert channel_simulator.requests("kmall24") == []
    # Sent as is, Kmall24 refuses it with E1003, which comes back as the same normalised code.
    sent = connector.push_one(bad)
    assert sent.status == "rejected"
    assert [(i.code, i.attribute, i.message) for i in sent.issues] == [
        ("image_count", "images", "At least 2 product images are required.")
    ]


def test_kmall24_delist_orders_inventory_tracking(channel_simulator):
    connector = channel_simulator.connector("kmall24")
    sample = listing_sample()
    [pushed] = connector.push([sample])
    before = datetime.now(UTC) - timedelta(seconds=1)
    channel_simulator.create_orders("kmall24", [sample.reference], [3])
    [order] = connector.fetch_orders(before)
    assert order.currency == "USD" and order.lines[0].sku == sample.reference
    assert (order.lines[0].quantity, order.lines[0].unit_price) == (3, Decimal("24.50"))
    assert connector.fetch_orders(datetime.now(UTC) + timedelta(minutes=1)) == []

    connector.push_inventory([InventoryLevel(sample.reference, pushed.external_id, sample.variants[0].sku, 17)])
    connector.push_tracking(TrackingUpdate(order.external_id, "CJ", "CJ123456789KR", datetime.now(UTC)))
    records = channel_simulator.records("kmall24")
    assert records["inventory"] == [{"sku": sample.reference, "quantity": 17}]
    assert records["tracking"][0]["tracking_no"] == "CJ123456789KR"

    [gone] = connector.delist([(sample.reference, pushed.external_id)])
    assert gone.status == "delisted"
    assert channel_simulator.listings("kmall24")[0]["status"] == "delisted"


# --- buykorea -----------------------------------------------------------------------------------


def test_buykorea_renders_an_offer_with_moq_fob_tiers_in_usd_and_the_company_profile(channel_simulator):
    connector = channel_simulator.connector("buykorea")
    sample = listing_sample(base_currency="KRW", tiers=((50, Decimal("16560")), (200, Decimal("14490"))))
    payload = connector.render(sample)
    assert payload["fobPrices"] == [
        {"minQty": 50, "unitPrice": "12.00", "currency": "USD"},
        {"minQty": 200, "unitPrice": "10.50", "currency": "USD"},
    ]
    assert (payload["minOrderQty"], payload["leadTimeDays"], payload["hsCode"]) == (50, 21, "691200")
    assert payload["company"] == {"companyName": "Hanji Ceramics Co.", "country": "KR", "businessType": "manufacturing"}


def test_buykorea_validate_reaches_each_rule(channel_simulator):
    connector = channel_simulator.connector("buykorea")
    assert codes(connector.validate(listing_sample())) == set()
    bad = listing_sample(
        mode="b2c",
        titles={"en": "x" * 201},
        moq=None,
        hs_code="69",
        lead_time_days=None,
        image_urls=(),
        company=replace(listing_sample().company, legal_name=""),
        tiers=((50, Decimal("0")),),
        incoterms=("DAP",),
    )
    assert codes(connector.validate(bad)) == {
        "mode_unsupported",
        "title_too_long",
        "moq_missing",
        "missing_hs_code",
        "missing_lead_time",
        "image_count",
        "missing_company_profile",
        "price_out_of_range",
    }
    assert codes(connector.validate(bad), "warning") == {"missing_attribute"}
    assert codes(connector.validate(listing_sample(titles={}, tiers=()))) == {"missing_locale", "missing_price_tiers"}
    assert channel_simulator.requests() == []


def test_buykorea_allows_fifty_products_per_seller_and_rejects_the_51st(channel_simulator):
    connector = channel_simulator.connector("buykorea")
    results = connector.push([listing_sample(i) for i in range(1, 52)])
    assert [r.status for r in results] == ["live"] * 50 + ["rejected"]
    assert [(i.code, i.attribute) for i in results[-1].issues] == [("seller_limit", "company")]
    assert "at most 50" in results[-1].issues[0].message
    # Another SME has its own account.
    other = listing_sample(99, company=replace(listing_sample().company, id=8))
    assert connector.push([other])[0].status == "live"
    # Delisting one frees a slot.
    assert connector.delist([(results[0].reference, results[0].external_id)])[0].status == "delisted"
    assert connector.push([listing_sample(51)])[0].status == "live"


def test_buykorea_updates_a_known_reference_and_a_lost_create_is_not_duplicated(channel_simulator):
    connector = channel_simulator.connector("buykorea")
    channel_simulator.control("buykorea", next=["lost_response"])
    [first] = connector.push([listing_sample()])
    assert first.status == "live"
    [row] = channel_simulator.listings("buykorea")
    assert row["creates"] == 1
    changed = listing_sample(content_hash="f" * 64, moq=100)
    [second] = connector.push([changed])
    assert second.external_id == first.external_id
    [row] = channel_simulator.listings("buykorea")
    assert (row["creates"], row["updates"], row["data"]["minOrderQty"]) == (1, 1, 100)


def test_buykorea_normalises_its_own_refusal_and_handles_orders_stock_tracking(channel_simulator):
    connector = channel_simulator.connector("buykorea")
    bad = listing_sample(hs_code="", lead_time_days=None)
    sent = connector.push_one(bad)
    assert sent.status == "rejected"
    assert {(i.code, i.attribute) for i in sent.issues} == {
        ("missing_hs_code", "hs_code"),
        ("missing_lead_time", "lead_time_days"),
    }
    sample = listing_sample()
    [pushed] = connector.push([sample])
    since = datetime.now(UTC) - timedelta(seconds=1)
    channel_simulator.create_orders("buykorea", [sample.reference], [200])
    [order] = connector.fetch_orders(since)
    assert (order.lines[0].sku, order.lines[0].quantity, order.lines[0].unit_price) == (
        sample.reference,
        200,
        Decimal("12.00"),
    )
    connector.push_inventory(
        [
            InventoryLevel(sample.reference, pushed.external_id, "a", 10),
            InventoryLevel(sample.reference, pushed.external_id, "b", 5),
        ]
    )
    connector.push_tracking(TrackingUpdate(order.external_id, "HANJIN", "HJ-1", datetime.now(UTC)))
    records = channel_simulator.records("buykorea")
    assert records["inventory"] == [{"sku": sample.reference, "quantity": 15}]
    assert records["tracking"][0]["invoiceNo"] == "HJ-1"


# --- amazon -------------------------------------------------------------------------------------


def test_amazon_renders_language_tagged_attributes_and_a_quantity_discount_plan(channel_simulator):
    connector = channel_simulator.connector("amazon")
    message = connector.render(listing_sample())
    assert message["productType"] == "KITCHEN" and message["sku"] == "celadon-bowl-00001"
    assert message["attributes"]["item_name"] == [
        {"value": "Celadon bowl 1", "language_tag": "en_US", "marketplace_id": "ATVPDKIKX0DER"}
    ]
    business = message["attributes"]["purchasable_offer"][1]
    assert business["audience"] == "B2B"
    assert business["quantity_discount_plan"][0]["schedule"][0]["levels"] == [
        {"lower_bound": 50, "value": "12.00"},
        {"lower_bound": 200, "value": "10.50"},
    ]
    japan = channel_simulator.connector("amazon", config=channel_simulator.config("amazon", destination_country="JP"))
    attributes = japan.render(listing_sample())["attributes"]
    assert attributes["item_name"][0]["language_tag"] == "ja_JP"
    assert attributes["purchasable_offer"][0]["our_price"][0]["schedule"][0]["value_with_tax"] == "3675"  # JPY


def test_amazon_validate_reaches_each_rule(channel_simulator):
    connector = channel_simulator.connector("amazon")
    assert codes(connector.validate(listing_sample())) == set()
    bad = listing_sample(
        titles={"en": "x" * 201},
        descriptions={},
        brand=None,
        origin_country="",
        image_urls=(),
        category_path="toys/robots",
        retail_price=Decimal("200000"),
    )
    assert codes(connector.validate(bad)) == {
        "title_too_long",
        "missing_attribute",
        "image_count",
        "category_unmapped",
        "price_out_of_range",
    }
    assert codes(connector.validate(bad), "warning") == {"missing_attribute"}
    assert codes(connector.validate(listing_sample(titles={"ko": "사발"}, retail_price=None, mode="b2c"))) == {
        "missing_locale",
        "missing_price",
    }
    assert channel_simulator.requests() == []


def test_amazon_feed_is_submitted_then_polled_to_live_and_rejected_from_the_processing_report(channel_simulator):
    connector = channel_simulator.connector("amazon")
    good = listing_sample(1)
    # Valid by our dry run, but Amazon refuses the message: a product type it does not know.
    odd = listing_sample(2, category_path="home/odd")
    odd_connector = channel_simulator.connector(
        "amazon",
        config=channel_simulator.config("amazon", category_mapping={"home/tableware": "KITCHEN", "home/odd": "GADGET"}),
    )
    results = odd_connector.push([good, odd, listing_sample(3, image_urls=())])
    assert [r.status for r in results] == ["submitted", "submitted", "rejected"]
    feed_id = results[0].external_id.split("/")[0]
    assert results[1].external_id == f"{feed_id}/2"
    assert channel_simulator.listings("amazon") == []

    polls = 0
    while any(r.status == "submitted" for r in results):
        results = connector.poll(results)
        polls += 1
    assert polls == 3  # IN_QUEUE, IN_PROGRESS, DONE
    assert [r.status for r in results] == ["live", "rejected", "rejected"]
    assert results[0].external_id == good.reference
    assert {(i.code, i.attribute) for i in results[1].issues} == {("category_unmapped", "category_path")}
    [live] = channel_simulator.listings("amazon")
    assert live["sku"] == good.reference and live["creates"] == 1
    feeds = [r for r in channel_simulator.requests("amazon") if r["method"] == "POST"]
    assert len(feeds) == 1 and len(feeds[0]["body"]["feedDocument"]["messages"]) == 2


def test_amazon_report_issues_are_normalised_with_warnings_kept(channel_simulator):
    connector = channel_simulator.connector("amazon")
    sample = listing_sample(descriptions={})
    message = connector.render(sample)
    message["attributes"]["item_name"][0]["language_tag"] = "ko_KR"
    [submitted] = connector.submit([message], [sample])
    for _ in range(3):
        [submitted] = connector.poll([submitted])
    assert submitted.status == "rejected"
    assert {(i.code, i.severity) for i in submitted.issues} == {
        ("missing_locale", "error"),
        ("missing_attribute", "warning"),
    }


def test_amazon_delist_orders_inventory_tracking(channel_simulator):
    connector = channel_simulator.connector("amazon")
    sample = listing_sample()
    results = connector.push([sample])
    for _ in range(3):
        results = connector.poll(results)
    since = datetime.now(UTC) - timedelta(seconds=1)
    channel_simulator.create_orders("amazon", [sample.reference], [2])
    [order] = connector.fetch_orders(since)
    assert (order.lines[0].sku, order.lines[0].quantity, order.lines[0].unit_price) == (
        sample.reference,
        2,
        Decimal("24.50"),
    )
    connector.push_inventory([InventoryLevel(sample.reference, sample.reference, "x", 9)])
    connector.push_tracking(TrackingUpdate(order.external_id, "UPS", "1Z999", datetime.now(UTC)))
    records = channel_simulator.records("amazon")
    assert records["inventory"] == [{"sku": sample.reference, "quantity": 9}]
    assert records["tracking"][0]["packageDetail"]["trackingNumber"] == "1Z999"
    assert connector.delist([(sample.reference, sample.reference)])[0].status == "delisted"
    assert channel_simulator.listings("amazon")[0]["status"] == "delisted"


# --- ebay ---------------------------------------------------------------------------------------


def test_ebay_renders_an_inventory_item_and_an_offer(channel_simulator):
    connector = channel_simulator.connector("ebay")
    payload = connector.render(listing_sample())
    assert payload["inventory_item"]["product"]["aspects"]["Brand"] == ["Hanji Living"]
    assert payload["inventory_item"]["packageWeightAndSize"]["weight"] == {"value": "0.450", "unit": "KILOGRAM"}
    offer = payload["offer"]
    assert (offer["marketplaceId"], offer["categoryId"], offer["pricingSummary"]["price"]) == (
        "EBAY_US",
        "20625",
        {"value": "24.50", "currency": "USD"},
    )
    assert offer["listingPolicies"]["paymentPolicyId"] == "PP-1"


def test_ebay_validate_reaches_each_rule(channel_simulator):
    connector = channel_simulator.connector("ebay")
    assert codes(connector.validate(listing_sample())) == set()
    bad = listing_sample(
        titles={"en": "x" * 81},
        image_urls=(),
        brand=None,
        variants=(replace(listing_sample().variants[0], weight_kg=None),),
        category_path="toys/robots",
        retail_price=Decimal("0.10"),
        mode="b2b",
    )
    assert codes(connector.validate(bad)) == {
        "title_too_long",
        "image_count",
        "missing_attribute",
        "missing_weight",
        "category_unmapped",
        "price_out_of_range",
        "mode_unsupported",
    }
    assert codes(connector.validate(listing_sample(titles={"ko": "사발"}))) == {"missing_locale"}
    assert channel_simulator.requests() == []


def test_ebay_pushes_in_bulk_groups_of_25_with_three_calls_each(channel_simulator):
    connector = channel_simulator.connector("ebay")
    batch = [listing_sample(i) for i in range(1, 31)]
    results = connector.push(batch)
    assert [r.status for r in results] == ["live"] * 30
    calls = [(r["path"].rsplit("/", 1)[-1], len(r["body"]["requests"])) for r in channel_simulator.requests("ebay")]
    assert calls == [
        ("bulk_create_or_replace_inventory_item", 25),
        ("bulk_create_offer", 25),
        ("bulk_publish_offer", 25),
        ("bulk_create_or_replace_inventory_item", 5),
        ("bulk_create_offer", 5),
        ("bulk_publish_offer", 5),
    ]
    # Pushing again updates the existing offers instead of creating new ones.
    again = connector.push([listing_sample(1, retail_price=Decimal("30.00"))])
    assert again[0].status == "live" and again[0].external_id == results[0].external_id
    assert len([row for row in channel_simulator.listings("ebay") if row["creates"] == 1]) == 30


def test_ebay_checks_at_publish_and_normalises_its_errors(channel_simulator):
    connector = channel_simulator.connector("ebay")
    bad = listing_sample(titles={"en": "x" * 90}, image_urls=(), brand=None)
    [result] = connector.push_group([bad])
    assert result.status == "rejected" and result.external_id.startswith("OF")
    assert {(i.code, i.attribute) for i in result.issues} == {
        ("title_too_long", "titles.en"),
        ("image_count", "image_urls"),
        ("missing_attribute", "brand"),
    }
    # The item and the offer were accepted: eBay checks only at publish.
    assert [r["status"] for r in channel_simulator.requests("ebay")] == [200, 200, 207]


def test_the_simulator_refuses_a_26_item_bulk_call(channel_simulator):
    connector = channel_simulator.connector("ebay")
    with pytest.raises(ChannelRejected) as caught:
        connector.client.json(
            "POST",
            "sell/inventory/v1/bulk_create_or_replace_inventory_item",
            json={"requests": [{"sku": f"s{i}"} for i in range(26)]},
            idempotency_key="too-many",
        )
    assert caught.value.status == 400 and caught.value.body["errors"][0]["errorId"] == 25008


def test_ebay_delist_orders_inventory_tracking(channel_simulator):
    connector = channel_simulator.connector("ebay")
    sample = listing_sample()
    [pushed] = connector.push([sample])
    since = datetime.now(UTC) - timedelta(seconds=1)
    channel_simulator.create_orders("ebay", [sample.reference], [1])
    [order] = connector.fetch_orders(since)
    assert (order.lines[0].sku, order.lines[0].unit_price, order.currency) == (
        sample.reference,
        Decimal("24.50"),
        "USD",
    )
    connector.push_inventory([InventoryLevel(sample.reference, pushed.external_id, "x", 4)])
    connector.push_tracking(TrackingUpdate(order.external_id, "USPS", "9400", datetime.now(UTC)))
    records = channel_simulator.records("ebay")
    assert records["inventory"] == [{"sku": sample.reference, "quantity": 4}]
    assert records["tracking"][0]["trackingNumber"] == "9400"
    assert connector.delist([(sample.reference, pushed.external_id)])[0].status == "delisted"
    assert channel_simulator.listings("ebay")[0]["status"] == "delisted"


# --- tmall --------------------------------------------------------------------------------------


def test_tmall_renders_chinese_content_cny_and_the_categorys_schema_fields(channel_simulator):
    connector = channel_simulator.connector("tmall")
    sample = listing_sample()
    connector.prepare([sample])
    payload = connector.render(sample)
    assert payload["category_id"] == "50008163" and payload["outer_id"] == sample.reference
    fields = payload["fields"]
    assert (fields["title"], fields["price"], fields["material"]) == ("青瓷碗 1", "176.40", "porcelain")  # 24.50 x 7.2
    [call] = channel_simulator.requests("tmall")
    assert call["body"]["method"] == "tmall.item.schema.get" and call["body"]["sign"]


def test_tmall_validate_reaches_each_rule_and_the_schema_fields_once_known(channel_simulator):
    connector = channel_simulator.connector("tmall")
    assert codes(connector.validate(listing_sample())) == set()
    bad = listing_sample(
        titles={"zh-hans": "青" * 61},
        descriptions={"zh-hans": "plain English"},
        image_urls=(),
        retail_price=Decimal("0.05"),
        category_path="toys/robots",
        origin_country="",
        mode="b2b",
    )
    assert codes(connector.validate(bad)) == {
        "title_too_long",
        "missing_locale",
        "image_count",
        "price_out_of_range",
        "category_unmapped",
        "missing_attribute",
        "mode_unsupported",
    }
    skincare = channel_simulator.connector(
        "tmall", config=channel_simulator.config("tmall", category_mapping={"home/tableware": "50010788"})
    )
    assert channel_simulator.requests() == []
    skincare.prepare([listing_sample()])  # the schema asks for shelf_life_days, which the sample lacks
    assert [(i.code, i.attribute) for i in skincare.validate(listing_sample())] == [
        ("missing_attribute", "attributes.shelf_life_days")
    ]


def test_tmall_publishes_once_updates_by_outer_id_and_normalises_router_errors(channel_simulator):
    connector = channel_simulator.connector("tmall")
    channel_simulator.control("tmall", next=["ok", "lost_response"])  # the schema, then a lost add
    [first] = connector.push([listing_sample()])
    assert first.status == "live"
    [again] = connector.push([listing_sample(content_hash="e" * 64, retail_price=Decimal("30"))])
    assert again.external_id == first.external_id
    [row] = channel_simulator.listings("tmall")
    assert (row["creates"], row["updates"], row["data"]["price"]) == (1, 1, "216.00")

    sent = connector.push_one(
        listing_sample(2, category_path="toys/robots"), payload={"category_id": "999", "outer_id": "x", "fields": {}}
    )
    assert [(i.code, i.attribute) for i in sent.issues] == [("category_unmapped", "category_path")]
    sent = connector.push_one(
        listing_sample(3),
        payload={"category_id": "50008163", "outer_id": "y", "fields": {"title": "碗", "price": "10"}},
    )
    assert [(i.code, i.attribute) for i in sent.issues] == [("missing_locale", "descriptions.zh-hans")]


def test_tmall_rejects_a_bad_signature(channel_simulator):
    config = channel_simulator.config("tmall", credentials={"app_key": "sim-tmall-app", "app_secret": "wrong"})
    connector = channel_simulator.connector("tmall", config=config)
    [result] = connector.push([listing_sample()])
    assert result.status == "rejected" and "Invalid signature" in result.issues[0].message


def test_tmall_delist_orders_inventory_tracking(channel_simulator):
    connector = channel_simulator.connector("tmall")
    sample = listing_sample()
    [pushed] = connector.push([sample])
    since = datetime.now(UTC) - timedelta(seconds=1)
    channel_simulator.create_orders("tmall", [sample.reference], [2])
    [order] = connector.fetch_orders(since)
    assert (order.currency, order.lines[0].unit_price) == ("CNY", Decimal("176.40"))
    connector.push_inventory([InventoryLevel(sample.reference, pushed.external_id, "x", 6)])
    connector.push_tracking(TrackingUpdate(order.external_id, "SF", "SF100", datetime.now(UTC)))
    records = channel_simulator.records("tmall")
    assert records["inventory"] == [{"sku": sample.reference, "quantity": 6}]
    assert records["tracking"][0]["out_sid"] == "SF100"
    assert connector.delist([(sample.reference, pushed.external_id)])[0].status == "delisted"
    assert channel_simulator.listings("tmall")[0]["status"] == "delisted"


def test_registry_builds_every_connector_with_its_rules(channel_simulator):
    from integrations.connectors.registry import CONNECTORS, channel_rules

    assert set(CONNECTORS) == {"kmall24", "buykorea", "amazon", "ebay", "tmall"}
    rules = channel_rules()
    assert rules["buykorea"]["seller_limit"] == 50 and rules["ebay"]["max_batch"] == 25
    assert rules["kmall24"]["locales_required"] == ["en", "zh-hans", "ja"] and rules["tmall"]["currency"] == "CNY"
    for code in CONNECTORS:
        assert channel_simulator.connector(code).code == code
