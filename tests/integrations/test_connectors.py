"""Each connector renders and validates by its own channel's rules, and pushes, polls, delists, reads
orders and sends inventory and tracking over real HTTP to the simulator."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from integrations.connectors.base import InventoryLevel, TrackingUpdate
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
