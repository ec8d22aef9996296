"""Commission on sales: per order line, charged to the line's seller when the order is paid
(marketplace.services.orders.order_mark_paid, whatever paid it), given back by refunds."""

from decimal import Decimal

from brands.selectors import mandate_commission_rates
from core.money import Money
from core.selectors import exchange_rates_get
from marketplace.models import Fee, FeeKind, Order, OrderLine, Refund
from marketplace.services.fees import fee_charge, fee_reverse

ZERO = Decimal(0)


def _commission_scope(order: Order, line: OrderLine) -> str:
    if order.source == Order.Source.CHANNEL:
        return f"channel:{order.channel}"
    if order.source == Order.Source.B2B_QUOTE:
        return "b2b_quote"
    return "storefront:b2c"


def order_commission_charge(*, order: Order) -> list[Fee]:
    """Commission per order line, charged to the line's seller when the order is paid; and
    where the seller pays a trading company commission under an active mandate, that agent's
    commission on the line too, on the seller's statement and credited on the agent's (not in
    the returned list)."""
    rates = exchange_rates_get()
    fees = []
    lines = list(order.lines.select_related("seller").order_by("pk"))
    agents = mandate_commission_rates({line.seller_id for line in lines})
    for line in lines:
        if line.seller_id in agents:
            _mandate_id, share, agent_id = agents[line.seller_id]
            fee_charge(
                company=line.seller,
                beneficiary_id=agent_id,
                kind=FeeKind.AGENT_COMMISSION,
                cause_type="order_line",
                cause_id=line.pk,
                amount=Money(line.total * share, order.currency),
                rates=rates,
            )
        fees.append(
            fee_charge(
                company=line.seller,
                kind=FeeKind.COMMISSION,
                cause_type="order_line",
                cause_id=line.pk,
                base=Money(line.total, order.currency),
                scope=_commission_scope(order, line),
                rates=rates,
            )
        )
    return fees


def refund_commission_reverse(*, refund: Refund) -> int:
    """A refund gives back the commission of what it refunds: every line when the order is
    refunded in full, else the line of the return it pays once that line is refunded in full."""
    order = Order.objects.get(pk=refund.order_id)
    if order.status == Order.Status.REFUNDED:
        line_ids = list(order.lines.values_list("pk", flat=True))
    else:
        request = getattr(refund, "return_request", None)
        if request is None:
            return 0
        line = request.order_line
        refunded = sum(
            (r.refund.amount for r in line.return_requests.select_related("refund") if r.refund_id), start=ZERO
        )
        line_ids = [line.pk] if refunded >= line.total else []
    reversed_count = 0
    kinds = [FeeKind.COMMISSION, FeeKind.AGENT_COMMISSION]
    for fee in Fee.objects.filter(
        kind__in=kinds, cause_type="order_line", cause_id__in=line_ids, status=Fee.Status.CHARGED
    ).order_by("pk"):
        fee_reverse(fee=fee, reason=f"Refund {refund.pk}")
        reversed_count += 1
    return reversed_count
