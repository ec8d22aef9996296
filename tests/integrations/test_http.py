"""The channel client against the simulator over real HTTP: timeouts, retries, Retry-After, the rate
limit and the circuit breaker shared through Redis, the idempotency rule for POSTs, safe base URLs."""

import logging
import threading
import time

import pytest

from integrations.http.base_url import ChannelURLRefused, base_url_check
from integrations.http.client import ChannelClient
from integrations.http.errors import ChannelError, ChannelUnavailable
from integrations.http.state import breaker_state

PRODUCT = "api/v2/products/sku-1"
GOOD = {
    "title": {"en": "Bowl", "zh": "碗", "ja": "碗"},
    "images": ["a", "b"],
    "price": {"amount": "10.00", "currency": "USD"},
    "shipping_weight_g": 300,
}


def client(sim, **options):
    options = {
        "connect_timeout": 1.0,
        "read_timeout": 2.0,
        "max_attempts": 4,
        "backoff_base": 0.01,
        "breaker_threshold": 5,
        "breaker_reset_seconds": 0.5,
        "headers": {"X-Kmall-Api-Key": "top-secret-kmall-key"},
        **options,
    }
    return ChannelClient("kmall24", f"{sim.url}/kmall24", **options)


def faults(sim):
    return [r["fault"] or "ok" for r in sim.requests("kmall24")]


def test_a_read_timeout_is_retried_and_the_last_one_raises_a_temporary_error(channel_simulator):
    channel_simulator.control("kmall24", next=["timeout", "timeout"], timeout_ms=1500)
    started = time.monotonic()
    response = client(channel_simulator, read_timeout=0.3, max_attempts=3).request("PUT", PRODUCT, json=GOOD)
    assert response.status_code == 200
    assert faults(channel_simulator) == ["timeout", "timeout", "ok"]
    assert time.monotonic() - started < 1.4  # gave up on each at 0.3 s, not after the 1.5 s the channel took

    channel_simulator.control("kmall24", next=["timeout", "timeout"], timeout_ms=1500)
    with pytest.raises(ChannelError) as caught:
        client(channel_simulator, read_timeout=0.3, max_attempts=2).request("GET", PRODUCT)
    assert caught.value.temporary


def test_5xx_and_resets_are_retried_with_exponential_backoff_and_full_jitter(channel_simulator):
    channel_simulator.control("kmall24", next=["error", "reset", "error"])
    slept = []
    http = client(channel_simulator, backoff_base=0.05, sleep=lambda s: (slept.append(s), time.sleep(s)))
    assert http.request("PUT", PRODUCT, json=GOOD).status_code == 200
    assert faults(channel_simulator) == ["error", "reset", "error", "ok"]
    assert len(slept) == 3
    for attempt, seconds in enumerate(slept):
        assert 0 <= seconds <= 0.05 * 2**attempt


def test_429_is_honoured_and_no_request_goes_before_its_retry_after_even_from_another_client(channel_simulator):
    channel_simulator.control("kmall24", next=["rate_limit"], retry_after_min=0.6, retry_after_max=0.6)
    first, second = client(channel_simulator), client(channel_simulator)
    done = []

    def other_worker():
        time.sleep(0.15)  # after the 429 was answered to `first`
        second.request("GET", PRODUCT)
        done.append(time.monotonic())

    thread = threading.Thread(target=other_worker)
    started = time.monotonic()
    thread.start()
    assert first.request("PUT", PRODUCT, json=GOOD).status_code == 200
    thread.join()
    assert time.monotonic() - started >= 0.6 and done[0] - started >= 0.6
    rows = channel_simulator.requests("kmall24")
    assert [r["status"] for r in rows][0] == 429 and len(rows) == 3
    assert not any(r["early"] for r in rows)
    assert rows[1]["time"] - rows[0]["time"] >= 0.6


def test_a_post_without_an_idempotency_key_is_never_retried(channel_simulator):
    http = client(channel_simulator)
    channel_simulator.control("kmall24", next=["error"])
    with pytest.raises(ChannelError):
        http.request("POST", "api/v2/inventory", json={"items": [{"seller_sku": "a", "quantity": 1}]})
    channel_simulator.control("kmall24", next=["lost_response"])
    with pytest.raises(ChannelError) as caught:
        http.request("POST", "api/v2/inventory", json={"items": [{"seller_sku": "b", "quantity": 2}]})
    assert caught.value.outcome_unknown
    assert len(channel_simulator.requests("kmall24")) == 2
    # The lost one was applied once and not sent again.
    assert channel_simulator.records("kmall24")["inventory"] == [{"sku": "b", "quantity": 2}]


def test_a_post_with_an_idempotency_key_is_retried_and_applied_once(channel_simulator):
    channel_simulator.control("kmall24", next=["lost_response", "timeout"], timeout_ms=800)
    http = client(channel_simulator, read_timeout=0.3)
    body = {"items": [{"seller_sku": "a", "quantity": 5}]}
    response = http.request("POST", "api/v2/inventory", json=body, idempotency_key="inv-a-5")
    assert response.json() == {"result": "OK", "updated": 1}
    rows = channel_simulator.requests("kmall24")
    assert [r["fault"] for r in rows] == ["lost_response", "timeout", ""]
    assert {r["headers"]["Idempotency-Key"] for r in rows} == {"inv-a-5"}
    assert channel_simulator.records("kmall24")["inventory"] == [{"sku": "a", "quantity": 5}]


def test_the_breaker_opens_after_five_failures_is_shared_probes_once_per_interval_and_closes(channel_simulator):
    channel_simulator.control("kmall24", outage=True)
    worker_a = client(channel_simulator, max_attempts=3)
    worker_b = client(channel_simulator, max_attempts=3)  # another process would see the same Redis keys
    with pytest.raises(ChannelError):
        worker_a.request("GET", PRODUCT)
    with pytest.raises(ChannelUnavailable):
        worker_a.request("GET", PRODUCT)
    assert len(channel_simulator.requests("kmall24")) == 5
    assert breaker_state("kmall24")["state"] == "open"
    with pytest.raises(ChannelUnavailable):
        worker_b.request("GET", PRODUCT)  # refused at once, without a request
    assert len(channel_simulator.requests("kmall24")) == 5

    # Still down: for 1.6 s both workers try every 20 ms; at most one probe per 0.5 s gets through.
    deadline = time.monotonic() + 1.6
    while time.monotonic() < deadline:
        for worker in (worker_a, worker_b):
            with pytest.raises(ChannelError):
                worker.request("GET", PRODUCT)
        time.sleep(0.02)
    probes = len(channel_simulator.requests("kmall24")) - 5
    assert 1 <= probes <= 4

    # Back up: the next probe succeeds and the breaker closes for everyone.
    channel_simulator.control("kmall24", outage=False)
    time.sleep(0.55)
    assert worker_b.request("PUT", PRODUCT, json=GOOD).status_code == 200
    assert breaker_state("kmall24")["state"] == "closed"
    assert worker_a.request("GET", PRODUCT).status_code == 200


def test_4xx_answers_count_as_the_channel_being_up(channel_simulator):
    http = client(channel_simulator, max_attempts=1)
    channel_simulator.control("kmall24", next=["error"] * 4)
    for _ in range(4):
        with pytest.raises(ChannelError):
            http.request("GET", PRODUCT)
    assert http.request("PUT", PRODUCT, json={}).status_code == 422
    assert breaker_state("kmall24") == {"state": "closed", "failures": 0, "open_until": 0.0}


def test_the_rate_limit_is_a_token_bucket_shared_by_clients(channel_simulator):
    one, two = (
        client(channel_simulator, rate_per_second=10, burst=2),
        client(channel_simulator, rate_per_second=10, burst=2),
    )
    started = time.monotonic()
    for i in range(8):
        (one if i % 2 else two).request("GET", "api/v2/orders")
    # 2 at once from the burst, then 6 more at 10/s.
    assert time.monotonic() - started >= 0.5


def test_credentials_are_sent_but_never_logged_or_shown(channel_simulator, caplog):
    caplog.set_level(logging.DEBUG)
    channel_simulator.control("kmall24", next=["error"])
    http = client(channel_simulator)
    http.request("GET", PRODUCT)
    assert "top-secret-kmall-key" not in caplog.text + repr(http)
    assert {r["headers"]["X-Kmall-Api-Key"] for r in channel_simulator.requests("kmall24")} == {"***"}


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/api",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:8000/",
        "http://127.0.0.1:9999/",
        "http://[::1]/",
        "ftp://example.com/",
        "http://user:pw@93.184.216.34/",
    ],
)
def test_base_url_check_refuses_private_link_local_and_loopback_hosts(url, settings):
    settings.CHANNEL_ALLOW_PRIVATE_URLS = False
    settings.CHANNEL_SIMULATOR_URL = "http://127.0.0.1:8765"
    with pytest.raises(ChannelURLRefused) as caught:
        base_url_check(url)
    assert caught.value.attr == "base_url" and caught.value.status_code == 400


def test_base_url_check_allows_public_hosts_the_simulator_and_private_hosts_when_allowed(settings):
    settings.CHANNEL_ALLOW_PRIVATE_URLS = False
    settings.CHANNEL_SIMULATOR_URL = "http://127.0.0.1:8765"
    assert base_url_check("https://93.184.216.34/sp-api") == "https://93.184.216.34/sp-api"
    assert base_url_check("http://127.0.0.1:8765/amazon") == "http://127.0.0.1:8765/amazon"
    settings.CHANNEL_ALLOW_PRIVATE_URLS = True
    assert base_url_check("http://10.0.0.1/api") == "http://10.0.0.1/api"


def test_a_retry_after_longer_than_a_worker_should_sleep_defers_with_the_time_to_come_back(channel_simulator):
    channel_simulator.control("kmall24", next=["rate_limit"], retry_after_min=120, retry_after_max=120)
    http = client(channel_simulator, max_wait_seconds=5)
    started = time.time()
    with pytest.raises(ChannelUnavailable) as caught:
        http.request("GET", PRODUCT)
    assert caught.value.temporary and 115 < caught.value.retry_at - started < 125
    with pytest.raises(ChannelUnavailable):
        client(channel_simulator, max_wait_seconds=5).request("GET", PRODUCT)  # another worker, no request
    assert len(channel_simulator.requests("kmall24")) == 1


def test_a_redirect_is_not_followed_so_a_channel_cannot_send_calls_to_an_unchecked_host(channel_simulator):
    channel_simulator.control("kmall24", next=["redirect"], redirect_to="http://169.254.169.254/latest/meta-data/")
    with pytest.raises(ChannelError) as caught:
        client(channel_simulator).request("GET", PRODUCT)
    assert caught.value.status == 302 and not caught.value.temporary
    assert "redirect" in caught.value.detail
    assert faults(channel_simulator) == ["redirect"]  # asked once, and nothing followed it


def test_a_request_costs_one_redis_command_and_a_success_after_failures_one_more(channel_simulator, settings):
    import redis

    from integrations.http.state import RedisChannelState

    commands = []

    class Counting(redis.Redis):
        def execute_command(self, *args, **options):
            commands.append(args[0])
            return super().execute_command(*args, **options)

    state = RedisChannelState(Counting.from_url(settings.CHANNEL_STATE_URL), prefix=settings.CHANNEL_STATE_PREFIX)
    http = client(channel_simulator, redis=state, max_attempts=1)
    http.request("GET", PRODUCT)  # loads the script into Redis
    commands.clear()
    for _ in range(3):
        assert http.request("PUT", PRODUCT, json=GOOD).status_code == 200
    assert commands == ["EVALSHA"] * 3  # breaker, Retry-After and token in one step; no success mark
    channel_simulator.control("kmall24", next=["error"])
    with pytest.raises(ChannelError):
        http.request("GET", PRODUCT)
    assert http.request("GET", PRODUCT).status_code == 200
    # The failure is counted (one script), and the next success clears it (one DEL).
    assert commands[3:] == ["EVALSHA", "EVALSHA", "EVALSHA", "DEL"]
    assert breaker_state("kmall24")["failures"] == 0


def test_without_redis_the_process_state_admits_limits_and_breaks_the_same_way(channel_simulator):
    from integrations.http.state import LocalChannelState

    state = LocalChannelState()
    http = client(channel_simulator, redis=state, max_attempts=1, rate_per_second=10, burst=2)
    started = time.monotonic()
    for _ in range(4):
        http.request("GET", "api/v2/orders")
    assert time.monotonic() - started >= 0.15  # 2 from the burst, 2 more at 10/s
    channel_simulator.control("kmall24", outage=True)
    for _ in range(5):
        with pytest.raises(ChannelError):
            http.request("GET", PRODUCT)
    with pytest.raises(ChannelUnavailable):
        http.request("GET", PRODUCT)
    assert len(channel_simulator.requests("kmall24")) == 4 + 5
    channel_simulator.control("kmall24", outage=False)
    time.sleep(0.55)
    assert http.request("PUT", PRODUCT, json=GOOD).status_code == 200  # the one probe, which closes it
    assert breaker_state("kmall24", store=state) == {"state": "closed", "failures": 0, "open_until": 0.0}
