"""The demo's storefront part: two consumer orders paid this month, one with a line per seller,
one with a goodwill refund, so this month's draft statements show sales, commission and a refund.
tests/test_demo.py runs these checks on its one load of the whole demo."""

from decimal import Decimal

from django.utils import timezone

from marketplace.models import Fee, Order, OrderLine, Payment, Refund
from marketplace.services.statements import statement_get

MODELS = [Order, OrderLine, Payment, Refund]


def after_first_load(first: str):
    orders = list(Order.objects.filter(source=Order.Source.STOREFRONT).order_by("pk"))
    assert [o.email for o in orders] == ["buyer2@demo.example", "buyer@demo.example"]
    assert all(o.status == Order.Status.PAID and o.paid_at for o in orders)
    paris, berlin = orders
    assert paris.shipping_address["country"] == "FR" and berlin.shipping_address["country"] == "DE"
    sellers = [line.seller.display_name("en") for line in paris.lines.order_by("pk")]
    assert sellers == ["Hanji Living Co., Ltd.", "Icheon Ceramic Studio Co., Ltd."], sellers
    # Commission on every line, once; the goodwill refund is 10 % of the Berlin order.
    line_ids = [line.pk for o in orders for line in o.lines.all()]
    commission = Fee.objects.filter(kind="commission", cause_type="order_line", cause_id__in=line_ids)
    assert commission.count() == len(line_ids) == 3
    refund = Refund.objects.get(order=berlin)
    assert refund.amount == (berlin.total * Decimal("0.10")).quantize(Decimal("0.01"))

    today = timezone.localdate()
    draft = statement_get(company=paris.lines.order_by("pk")[0].seller, period=f"{today:%Y-%m}")
    assert draft["status"] == "draft" and Decimal(draft["sales"]["amount"]) > 0
    assert Decimal(draft["commission"]["amount"]) > 0 and Decimal(draft["brand_fund"]["amount"]) > 0
    assert "storefront orders: 2 created" in first
    return None


def after_second_load(second: str, state) -> None:
    assert "storefront orders: 0 created, 2 already there" in second
