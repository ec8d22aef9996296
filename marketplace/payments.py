"""Payment gateways. The only module that imports stripe: it passes our own idempotency key on
every call (the SDK would invent a random one per call, so a retried task could charge twice)
and turns SDK errors into the project's own. The dummy gateway behaves like Stripe's test mode
for the embedded default, and its events go through the same webhook handler."""

import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal

import stripe
from django.conf import settings

from core.errors import ApplicationError, InvalidInput
from core.money import Money, minor_units


class PaymentGatewayError(ApplicationError):
    code = "payment_gateway_error"
    status_code = 502


class WebhookSignatureInvalid(InvalidInput):
    code = "invalid_signature"


@dataclass(frozen=True)
class Intent:
    id: str
    client_secret: str
    status: str


@dataclass(frozen=True)
class GatewayEvent:
    """A gateway event reduced to what the order needs."""

    id: str
    type: str  # payment_intent.succeeded | payment_intent.payment_failed | payment_intent.canceled | ...
    intent_id: str
    amount_received: Decimal | None
    payload: dict


def to_minor(money: Money) -> int:
    return int(money.quantized().amount.scaleb(minor_units(money.currency)))


def from_minor(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-minor_units(currency))


def _event_from_payload(payload: dict) -> GatewayEvent:
    intent = payload.get("data", {}).get("object", {})
    currency = str(intent.get("currency", "usd")).upper()
    received = intent.get("amount_received")
    return GatewayEvent(
        id=payload["id"],
        type=payload["type"],
        intent_id=intent.get("id", ""),
        amount_received=from_minor(received, currency) if received is not None else None,
        payload=payload,
    )


STRIPE_TIMEOUT_SECONDS = 20


class StripeGateway:
    name = "stripe"

    def __init__(self, http_client: stripe.HTTPClient | None = None):
        # Every outbound call has a timeout: Stripe's default is 80 s, longer than a web worker may wait.
        http_client = http_client or stripe.RequestsClient(timeout=STRIPE_TIMEOUT_SECONDS)
        self.client = stripe.StripeClient(settings.STRIPE_SECRET_KEY, http_client=http_client, max_network_retries=2)

    def create_intent(self, *, amount: Money, idempotency_key: str, metadata: dict) -> Intent:
        try:
            intent = self.client.v1.payment_intents.create(
                params={
                    "amount": to_minor(amount),
                    "currency": amount.currency.lower(),
                    "metadata": metadata,
                    "automatic_payment_methods": {"enabled": True},
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as error:
            raise PaymentGatewayError(f"Stripe refused the payment: {error.user_message or error}") from None
        return Intent(id=intent.id, client_secret=intent.client_secret, status=intent.status)

    def cancel_intent(self, *, intent_id: str, idempotency_key: str) -> None:
        try:
            self.client.v1.payment_intents.cancel(intent_id, options={"idempotency_key": idempotency_key})
        except stripe.StripeError as error:
            raise PaymentGatewayError(f"Stripe could not cancel the payment: {error}") from None

    def refund(self, *, intent_id: str, amount: Money, idempotency_key: str) -> str:
        try:
            refund = self.client.v1.refunds.create(
                params={"payment_intent": intent_id, "amount": to_minor(amount)},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as error:
            raise PaymentGatewayError(f"Stripe refused the refund: {error}") from None
        return refund.id

    def transfer_create(self, *, amount: Money, destination: str, idempotency_key: str, metadata: dict) -> str:
        """A Stripe Connect transfer to a connected account; the key makes a retry the same transfer."""
        try:
            transfer = self.client.v1.transfers.create(
                params={
                    "amount": to_minor(amount),
                    "currency": amount.currency.lower(),
                    "destination": destination,
                    "metadata": metadata,
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as error:
            raise PaymentGatewayError(f"Stripe refused the transfer: {error.user_message or error}") from None
        return transfer.id

    def parse_webhook(self, payload: bytes, signature: str) -> GatewayEvent:
        """Verifies the Stripe-Signature header with a 300-second tolerance (never 0)."""
        try:
            event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=300)
        except (ValueError, stripe.SignatureVerificationError):
            raise WebhookSignatureInvalid(
                "The webhook signature is missing, wrong or stale.", attr="signature"
            ) from None
        return _event_from_payload(event.to_dict())


# Card numbers of the dummy gateway, as in Stripe's test mode (documented in the README).
DUMMY_CARDS = {
    "4242424242424242": "succeeded",
    "4000000000000002": "payment_failed",
    "4000002500003155": "requires_action",
}


class DummyGateway:
    """Stripe's test mode without the network: intents and refunds succeed locally, and
    `confirm` turns a test card into the event Stripe would send, signed the same way."""

    name = "dummy"

    def create_intent(self, *, amount: Money, idempotency_key: str, metadata: dict) -> Intent:
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
        return Intent(
            id=f"dummy_pi_{digest}", client_secret=f"dummy_pi_{digest}_secret", status="requires_payment_method"
        )

    def cancel_intent(self, *, intent_id: str, idempotency_key: str) -> None:
        return None

    def refund(self, *, intent_id: str, amount: Money, idempotency_key: str) -> str:
        return f"dummy_re_{hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]}"

    def transfer_create(self, *, amount: Money, destination: str, idempotency_key: str, metadata: dict) -> str:
        return f"dummy_tr_{hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]}"

    def confirm(self, *, intent_id: str, amount: Money, card_number: str) -> GatewayEvent:
        outcome = DUMMY_CARDS.get(card_number)
        if outcome is None:
            raise InvalidInput(f"Use a test card: {', '.join(DUMMY_CARDS)}.", attr="card_number")
        payload = {
            "id": f"evt_dummy_{uuid.uuid4().hex}",
            "type": f"payment_intent.{outcome}",
            "data": {
                "object": {
                    "id": intent_id,
                    "currency": amount.currency.lower(),
                    "amount_received": to_minor(amount) if outcome == "succeeded" else 0,
                }
            },
        }
        return _event_from_payload(payload)

    def parse_webhook(self, payload: bytes, signature: str) -> GatewayEvent:
        """Same scheme as Stripe's (t=..., v1=HMAC-SHA256 of "t.payload"), with the dummy secret."""
        parts = dict(item.split("=", 1) for item in signature.split(",") if "=" in item)
        try:
            timestamp = int(parts.get("t", ""))
        except ValueError:
            raise WebhookSignatureInvalid("The webhook signature is missing.", attr="signature") from None
        expected = hmac.new(
            settings.STRIPE_WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(expected, parts.get("v1", "")) or abs(time.time() - timestamp) > 300:
            raise WebhookSignatureInvalid("The webhook signature is wrong or stale.", attr="signature")
        return _event_from_payload(json.loads(payload))


# Tests put a transport here that answers like Stripe's API behind the SDK's HTTP interface.
STRIPE_HTTP_CLIENT: stripe.HTTPClient | None = None


def payment_gateway():
    """Stripe when a secret key is configured, else the dummy gateway."""
    return StripeGateway(http_client=STRIPE_HTTP_CLIENT) if settings.STRIPE_SECRET_KEY else DummyGateway()
