"""The outermost boundary we cannot reach: Stripe's network. This transport sits behind the
Stripe SDK's HTTP client interface, answers like Stripe's API and records what was sent."""

import json
import threading
import urllib.parse
import uuid

import stripe


class FakeStripeTransport(stripe.HTTPClient):
    name = "fake-stripe"

    def __init__(self):
        super().__init__()
        self.requests = []
        self._by_key = {}
        self._lock = threading.Lock()

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        params = dict(urllib.parse.parse_qsl(post_data or ""))
        key = (headers or {}).get("Idempotency-Key")
        with self._lock:
            self.requests.append({"method": method, "url": url, "params": params, "idempotency_key": key})
            if key and key in self._by_key:
                return self._by_key[key], 200, {"Idempotent-Replayed": "true"}
            body = self._answer(method, url, params)
            if key:
                self._by_key[key] = body
        return body, 200, {"Request-Id": f"req_{uuid.uuid4().hex[:12]}"}

    def _answer(self, method, url, params):
        path = urllib.parse.urlparse(url).path
        if path == "/v1/payment_intents":
            intent_id = f"pi_{uuid.uuid4().hex[:20]}"
            return json.dumps(
                {
                    "id": intent_id,
                    "object": "payment_intent",
                    "amount": int(params["amount"]),
                    "currency": params["currency"],
                    "status": "requires_payment_method",
                    "client_secret": f"{intent_id}_secret_{uuid.uuid4().hex[:8]}",
                }
            )
        if path.endswith("/cancel"):
            return json.dumps({"id": path.split("/")[3], "object": "payment_intent", "status": "canceled"})
        if path == "/v1/refunds":
            return json.dumps(
                {
                    "id": f"re_{uuid.uuid4().hex[:20]}",
                    "object": "refund",
                    "status": "succeeded",
                    "amount": int(params["amount"]),
                    "payment_intent": params["payment_intent"],
                }
            )
        if path == "/v1/transfers":
            return json.dumps(
                {
                    "id": f"tr_{uuid.uuid4().hex[:20]}",
                    "object": "transfer",
                    "amount": int(params["amount"]),
                    "currency": params["currency"],
                    "destination": params["destination"],
                }
            )
        return json.dumps({"error": {"message": f"unexpected {method} {path}"}})

    def close(self):
        pass

    def transfers_created(self):
        return [r for r in self.requests if r["url"].endswith("/v1/transfers")]

    def intents_created(self):
        return [r for r in self.requests if r["url"].endswith("/v1/payment_intents")]


def signed(payload: dict, secret: str, timestamp: int | None = None) -> tuple[bytes, str]:
    """A webhook body and its Stripe-Signature header, made the way Stripe makes them."""
    import hashlib
    import hmac
    import time

    body = json.dumps(payload).encode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={timestamp},v1={signature}"
