"""Demo data, promotions part: a live discount code, HANJI10 (10 % off Hanji Living's products,
funded by the brand's common fund, 500 uses, one per buyer, for 90 days from the first load),
an automatic free-shipping promotion the platform funds on orders of at least 150 EUR or
200 USD, and an address book for Emma Schneider (home, the default, and her office) through the
same services the API calls. Idempotent: what exists is left as it is."""

from collections import Counter
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from brands.models import Brand
from marketplace.models import BuyerAddress, Promotion
from marketplace.services.addresses import buyer_address_create
from marketplace.services.promotions import promotion_create

CODE = "HANJI10"
FREE_SHIPPING = "Free shipping over 150 EUR"
OFFICE = {
    "name": "Emma Schneider",
    "lines": ["Torstrasse 140", "3. OG"],
    "city": "Berlin",
    "postal_code": "10119",
    "country": "DE",
}
HOME = {
    "name": "Emma Schneider",
    "lines": ["Kastanienallee 12"],
    "city": "Berlin",
    "postal_code": "10435",
    "country": "DE",
}


class PromotionsDemo:
    def __init__(self, tally: Counter):
        self.tally = tally

    def load(self, context: dict) -> dict:
        operator = context["operator"]
        now = timezone.now()
        if not Promotion.objects.filter(code=CODE).exists():
            promotion_create(
                actor=operator,
                name="Hanji Living autumn: 10 % off",
                code=CODE,
                kind=Promotion.Kind.PERCENTAGE,
                percent=Decimal("0.1000"),
                brands=[Brand.objects.get(slug="hanji-living")],
                funded_by=Promotion.FundedBy.BRAND_FUND,
                starts_at=now,
                ends_at=now + timedelta(days=90),
                usage_limit=500,
                usage_limit_per_buyer=1,
            )
            self.tally["promotions", "created"] += 1
        else:
            self.tally["promotions", "existing"] += 1
        if not Promotion.objects.filter(name=FREE_SHIPPING, code="").exists():
            promotion_create(
                actor=operator,
                name=FREE_SHIPPING,
                kind=Promotion.Kind.FREE_SHIPPING,
                minimum_subtotal={"EUR": "150.00", "USD": "200.00"},
                funded_by=Promotion.FundedBy.PLATFORM,
                starts_at=now,
            )
            self.tally["promotions", "created"] += 1
        else:
            self.tally["promotions", "existing"] += 1
        emma = context["buyers"][0]
        if not BuyerAddress.objects.filter(user=emma).exists():
            buyer_address_create(user=emma, label="Home", address=HOME, is_default=True)
            buyer_address_create(user=emma, label="Office", address=OFFICE)
            self.tally["buyer addresses", "created"] += 2
        else:
            self.tally["buyer addresses", "existing"] += 2
        return {}
