"""The simulator itself, over HTTP: its control endpoint, faults (global, per channel, seeded),
the request log without secrets, idempotent replays, Retry-After bookkeeping and each channel's
own refusals."""

import pytest
import requests as http

KMALL = {"X-Kmall-Api-Key": "secret-key-1"}
GOOD = {
    "title": {"en": "Bowl", "zh": "碗", "ja": "碗"},
    "images": ["a", "b"],
    "price": {"amount": "10.00", "currency": "USD"},
    "shipping_weight_g": 300,
}


def put(sim, sku="s1", body=GOOD, headers=KMALL):
    return http.put(f"{sim.url}/kmall24/api/v2/products/{sku}", json=body, headers=headers, timeout=5)


def test_requests_are_recorded_with_secrets_masked(channel_simulator):
    assert put(channel_simulator).status_code == 200
    [row] = channel_simulator.requests()
    assert (row["method"], row["path"], row["channel"], row["status"], row["fault"]) == (
        "PUT",
        "/kmall24/api/v2/products/s1",
        "kmall24",
        200,
        "",
    )
    assert row["headers"]["X-Kmall-Api-Key"] == "***" and row["body"] == GOOD
    assert "secret-key-1" not in str(channel_simulator.requests())


def test_a_channel_without_its_credentials_is_refused_and_unknown_paths_are_404(channel_simulator):
    assert put(channel_simulator, headers={}).status_code == 401
    assert http.get(f"{channel_simulator.url}/nowhere/x", timeout=5).status_code == 404
    assert http.get(f"{channel_simulator.url}/kmall24/api/v9/x", headers=KMALL, timeout=5).status_code == 404


def test_faults_with_the_same_seed_repeat(channel_simulator):
    def run():
        channel_simulator.reset(seed=42)
        channel_simulator.control(error_rate=0.3, rate_limit_rate=0.2, retry_after_min=0, retry_after_max=0)
        return [put(channel_simulator, f"s{i}").status_code for i in range(40)]

    first = run()
    assert first == run()
    assert {200, 500, 429} <= set(first)


def test_per_channel_faults_leave_other_channels_alone_and_outage_is_503_until_cleared(channel_simulator):
    channel_simulator.control("kmall24", outage=True)
    assert put(channel_simulator).status_code == 503
    other = http.get(
        f"{channel_simulator.url}/buykorea/openapi/v1/orders", headers={"Authorization": "Bearer t"}, timeout=5
    )
    assert other.status_code == 200
    channel_simulator.control("kmall24", outage=False)
    assert put(channel_simulator).status_code == 200
    response = http.post(f"{channel_simulator.url}/_control/faults", json={"bogus_rate": 1}, timeout=5)
    assert response.status_code == 400


def test_a_429_carries_retry_after_and_an_early_request_is_flagged(channel_simulator):
    channel_simulator.control("kmall24", next=["rate_limit"], retry_after_min=2, retry_after_max=2)
    response = put(channel_simulator)
    assert response.status_code == 429 and response.headers["Retry-After"] == "2"
    put(channel_simulator)  # at once: too early
    rows = channel_simulator.requests("kmall24")
    assert [r["early"] for r in rows] == [False, True] and rows[1]["early_by"] > 1.5


def test_lost_responses_and_resets_close_the_connection(channel_simulator):
    channel_simulator.control("kmall24", next=["reset", "lost_response"])
    for _ in range(2):
        with pytest.raises(http.ConnectionError):
            put(channel_simulator)
    # The reset applied nothing, the lost response applied the write.
    [row] = channel_simulator.listings("kmall24")
    assert [r["fault"] for r in channel_simulator.requests()] == ["reset", "lost_response"] and row["creates"] == 1


def test_a_create_repeated_with_its_idempotency_key_returns_the_first_answer(channel_simulator):
    url = f"{channel_simulator.url}/buykorea/openapi/v1/sellers/C1/products"
    body = {
        "productRef": "r1",
        "productNameEn": "Bowl",
        "minOrderQty": 10,
        "fobPrices": [{"minQty": 10, "unitPrice": "5.00"}],
        "hsCode": "691200",
        "leadTimeDays": 14,
        "company": {"companyName": "Hanji", "country": "KR"},
        "images": ["a"],
    }
    headers = {"Authorization": "Bearer t", "X-Client-Reference": "r1:v1"}
    first = http.post(url, json=body, headers=headers, timeout=5)
    again = http.post(url, json=body, headers=headers, timeout=5)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    # Without the key, the same reference is a conflict that names the existing product.
    conflict = http.post(url, json=body, headers={"Authorization": "Bearer t"}, timeout=5)
    assert conflict.status_code == 409 and conflict.json()["productNo"] == first.json()["productNo"]
    assert len(channel_simulator.listings("buykorea")) == 1


def test_amazon_feed_moves_through_its_states(channel_simulator):
    headers = {"x-amz-access-token": "t"}
    base = f"{channel_simulator.url}/amazon/feeds/2021-06-30"
    document = {"header": {"sellerId": "S1"}, "messages": [{"messageId": 1, "sku": "a", "productType": "NOPE"}]}
    feed = http.post(
        f"{base}/feeds", json={"feedType": "JSON_LISTINGS_FEED", "feedDocument": document}, headers=headers, timeout=5
    ).json()
    states = [http.get(f"{base}/feeds/{feed['feedId']}", headers=headers, timeout=5).json() for _ in range(3)]
    assert [s["processingStatus"] for s in states] == ["IN_QUEUE", "IN_PROGRESS", "DONE"]
    report = http.get(f"{base}/documents/{states[2]['resultFeedDocumentId']}", headers=headers, timeout=5).json()
    assert report["summary"]["messagesInvalid"] == 1
    assert {i["code"] for i in report["issues"]} >= {"8105", "90220"}


def test_bulk_calls_are_held_to_the_real_apis_limits(channel_simulator):
    amazon = f"{channel_simulator.url}/amazon/feeds/2021-06-30/feeds"
    messages = [{"messageId": n, "sku": f"s{n}", "operationType": "DELETE"} for n in range(1, 25_002)]

    def feed(count):
        body = {"feedType": "JSON_LISTINGS_FEED", "feedDocument": {"header": {}, "messages": messages[:count]}}
        return http.post(amazon, json=body, headers={"x-amz-access-token": "t"}, timeout=30)

    assert feed(25_000).status_code == 202
    too_many = feed(25_001)
    assert too_many.status_code == 400 and "25000 messages" in too_many.json()["errors"][0]["message"]
    assert feed(0).status_code == 400

    ebay = f"{channel_simulator.url}/ebay/sell/inventory/v1/bulk_create_or_replace_inventory_item"
    items = [{"sku": f"e{n}", "product": {"title": "Bowl"}} for n in range(26)]
    auth = {"Authorization": "Bearer t"}
    assert http.post(ebay, json={"requests": items[:25]}, headers=auth, timeout=5).status_code == 200
    refused = http.post(ebay, json={"requests": items}, headers=auth, timeout=5)
    assert refused.status_code == 400 and refused.json()["errors"][0]["errorId"] == 25008


def test_orders_are_generated_on_request_in_each_channels_shape(channel_simulator):
    kmall = channel_simulator.create_orders("kmall24", ["a", "b"], [1, 2])
    assert [i["qty"] for i in kmall["items"]] == [1, 2] and kmall["order_no"].startswith("O")
    ebay = channel_simulator.create_orders("ebay", ["a"])
    assert ebay["lineItems"][0]["quantity"] == 1
    tmall = channel_simulator.create_orders("tmall", ["a"], [3])
    assert tmall["orders"]["order"][0]["num"] == 3
    response = http.post(f"{channel_simulator.url}/_control/orders", json={"channel": "nope", "skus": ["a"]}, timeout=5)
    assert response.status_code == 400


def test_latency_is_added_to_every_answer_of_the_channel(channel_simulator):
    import time

    channel_simulator.control("kmall24", latency_ms=300)
    started = time.monotonic()
    assert put(channel_simulator).status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    http.get(f"{channel_simulator.url}/buykorea/openapi/v1/orders", headers={"Authorization": "Bearer t"}, timeout=5)
    assert time.monotonic() - started < 0.3
