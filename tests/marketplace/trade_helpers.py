"""Trade desk fixtures as plain functions: B2B products, buyer companies, RFQs and quotes, made
through the services."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from core.money import Money
from marketplace.services.quotes import QuoteLineSpec, brand_quote_create, quote_create
from marketplace.services.trade import buyer_company_create, rfq_create
from tests.factories import UserFactory, category, owner_of, product, published

TOKYO_OFFICE = {
    "name": "Tokyo Zakka K.K.",
    "lines": ["1-2-3 Jingumae, Shibuya-ku"],
    "city": "Tokyo",
    "postal_code": "150-0001",
    "country": "JP",
}


def b2b_product(company=None, *, moq=100, multiple=50, tiers=((100, "9000"), (500, "8000")), brand=None, **extra):
    """A published B2B lamp: MOQ 100 in multiples of 50, 9,000 KRW a unit, 8,000 from 500."""
    return published(
        product(
            company,
            mode="b2b",
            retail_price=None,
            moq=moq,
            order_multiple=multiple,
            lead_time_days=20,
            price_tiers=[{"min_quantity": q, "unit_price": Decimal(p)} for q, p in tiers],
            brand=brand,
            category=category("home/lighting"),
            **extra,
        )
    )


def buyer(user=None, *, country="JP", name="Tokyo Zakka K.K."):
    user = user or UserFactory()
    return buyer_company_create(actor=user, name=name, country=country), user


def rfq(
    buyer_company=None, user=None, *, quantity=500, currency="USD", destination="JP", path="home/lighting", **extra
):
    if buyer_company is None:
        buyer_company, user = buyer()
    data = {
        "title": "Hanji lamps for our autumn catalogue",
        "description": "Paper mood lamps, warm white, in retail boxes.",
        "category": category(path),
        "quantity": quantity,
        "currency": currency,
        "destination_country": destination,
        "deadline": timezone.now() + timedelta(days=7),
        "target_unit_price": Money(Decimal("6.00"), currency),
        **extra,
    }
    return rfq_create(actor=user, buyer_company=buyer_company, **data)


def quote(rfq_, item, *, quantity=500, user=None, incoterm="DDP", days=14, **line):
    return quote_create(
        actor=user or owner_of(item.company),
        rfq=rfq_,
        line=QuoteLineSpec(product=item, quantity=quantity, **line),
        incoterm=incoterm,
        valid_until=timezone.localdate() + timedelta(days=days),
        lead_time_days=20,
    )


def brand_quote(rfq_, brand, items_and_quantities, *, incoterm="DDP", days=14):
    return brand_quote_create(
        actor=owner_of(brand.lead_company),
        rfq=rfq_,
        brand=brand,
        lines=[QuoteLineSpec(product=item, quantity=q) for item, q in items_and_quantities],
        incoterm=incoterm,
        valid_until=timezone.localdate() + timedelta(days=days),
        lead_time_days=25,
    )
