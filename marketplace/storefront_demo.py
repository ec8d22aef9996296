"""Demo data, storefront part: two consumers abroad buy from the storefront this month, through
the same services the API calls. Lucas Martin in Paris buys a Hanji Living lamp and an Icheon
Ceramics piece in one order (one line per seller); Emma Schneider in Berlin buys one item and,
after a late delivery, an operator grants her a goodwill refund of 10 %. Both pay with the dummy
gateway's test card, so commission is charged and the current month's draft statements show
sales, commission, a refund and the brand fund. Loaded after the logistics part (whose stock the
orders reserve). Idempotent: a buyer who already has a demo order is left as they are. Skipped
when Stripe is configured (test cards are the dummy gateway's)."""

from collections import Counter
from decimal import Decimal

from core.models import User
from core.money import Money
from listings.models import Product
from logistics.selectors import variant_available_units
from marketplace.models import Order
from marketplace.payments import DummyGateway, payment_gateway
from marketplace.services.checkout import (
    checkout_complete,
    checkout_create,
    checkout_shipping_options,
    checkout_update,
)
from marketplace.services.payment_events import payment_event_apply
from marketplace.services.refunds import refund_grant

TEST_CARD = "4242424242424242"
PARIS = {"name": "Lucas Martin", "lines": ["12 rue des Lombards"], "city": "Paris", "postal_code": "75004"}
BERLIN = {"name": "Emma Schneider", "lines": ["Kastanienallee 12"], "city": "Berlin", "postal_code": "10435"}
GOODWILL = Decimal("0.10")


class StorefrontDemo:
    def __init__(self, tally: Counter):
        self.tally = tally

    def load(self, context: dict) -> dict:
        if not isinstance(payment_gateway(), DummyGateway):
            return {"storefront_orders": []}
        emma, lucas = context["buyers"][:2]
        operator: User = context["operator"]
        lamp, ceramic = self.in_stock("hanji-living", context), self.in_stock("icheon-ceramics", context)
        orders = [
            self.order(lucas, "EUR", {**PARIS, "country": "FR"}, [lamp, ceramic]),
            self.order(emma, "EUR", {**BERLIN, "country": "DE"}, [ceramic]),
        ]
        berlin = orders[1]
        if not berlin.refunds.exists():
            refund_grant(
                order=berlin,
                amount=Money(berlin.total * GOODWILL, berlin.currency).quantized(),
                reason="Goodwill: delivered four days late",
                actor=operator,
            )
            self.tally["refunds", "created"] += 1
        return {"storefront_orders": orders}

    def in_stock(self, company_slug: str, context: dict) -> str:
        """The SKU of the company's first published storefront product with units to sell."""
        company = context["companies"][company_slug][0]
        variants = [
            variant
            for product in Product.objects.filter(
                company=company, status=Product.Status.PUBLISHED, mode__in=[Product.Mode.B2C, Product.Mode.BOTH]
            )
            .prefetch_related("variants")
            .order_by("pk")
            for variant in product.variants.all()
        ]
        available = variant_available_units([v.pk for v in variants])
        return next(v.sku for v in variants if available.get(v.pk, 0) > 0)

    def order(self, buyer: User, currency: str, address: dict, skus: list[str]) -> Order:
        existing = Order.objects.filter(buyer=buyer, source=Order.Source.STOREFRONT).order_by("pk").first()
        self.tally["storefront orders", "existing" if existing else "created"] += 1
        if existing is not None:
            return existing
        checkout = checkout_create(
            buyer=buyer,
            email=buyer.email,
            currency=currency,
            lines=[{"sku": sku, "quantity": 1} for sku in skus],
            shipping_address=address,
        )
        cheapest = min(checkout_shipping_options(checkout=checkout), key=lambda o: Decimal(o["price"]["amount"]))
        checkout = checkout_update(checkout=checkout, shipping_option=cheapest["id"])
        order, payment = checkout_complete(checkout=checkout, actor=buyer)
        gateway = payment_gateway()
        event = gateway.confirm(
            intent_id=payment.intent_id, amount=Money(payment.amount, payment.currency), card_number=TEST_CARD
        )
        payment_event_apply(gateway=gateway.name, event=event)
        order.refresh_from_db()
        return order
