"""Who hears about orders by e-mail, and in which words: the buyer (in the language they
checked out in) and the sellers' owners and editors. Called by the receiver of core's
event_dispatched (marketplace/receivers.py), inside the event's dispatch transaction; core's
message log sends each message once, after commit."""

from django.conf import settings

from brands.selectors import company_notified_staff
from core.emails import email_queue, money_format, phrases
from core.events import EventType
from core.models import Event
from core.money import Money
from marketplace.models import Order
from marketplace.services.orders import order_id_for_reference

ORDER_CONFIRMATION = {
    "ko": {
        "subject": "주문 {number} 확인",
        "intro": "주문해 주셔서 감사합니다. 결제가 완료되었습니다.",
        "subtotal": "상품 합계",
        "shipping": "배송비",
        "duties_taxes": "관세 및 세금",
        "total": "총액",
        "ddp": "DDP: 관세와 세금이 포함되어 있어 배송 시 추가로 낼 금액이 없습니다.",
        "dap": "DAP: 관세와 세금은 배송 시 수령인에게 청구될 수 있습니다.",
        "returns": "배송 후 {days}일 이내에 반품을 신청할 수 있습니다.",
    },
    "en": {
        "subject": "Order {number} confirmed",
        "intro": "Thank you for your order. Your payment has been received.",
        "subtotal": "Items",
        "shipping": "Shipping",
        "duties_taxes": "Duties and taxes",
        "total": "Total",
        "ddp": "DDP: duties and taxes are included; nothing more is due on delivery.",
        "dap": "DAP: duties and taxes may be collected from you on delivery.",
        "returns": "You can request a return within {days} days of delivery.",
    },
    "zh-hans": {
        "subject": "订单 {number} 已确认",
        "intro": "感谢您的订购，我们已收到您的付款。",
        "subtotal": "商品小计",
        "shipping": "运费",
        "duties_taxes": "关税和税费",
        "total": "合计",
        "ddp": "DDP：已含关税和税费，收货时无需另付。",
        "dap": "DAP：收货时可能需要您支付关税和税费。",
        "returns": "收货后 {days} 天内可申请退货。",
    },
    "ja": {
        "subject": "ご注文 {number} の確認",
        "intro": "ご注文ありがとうございます。お支払いを確認しました。",
        "subtotal": "商品小計",
        "shipping": "送料",
        "duties_taxes": "関税・税金",
        "total": "合計",
        "ddp": "DDP：関税・税金込みのため、お届け時のお支払いはありません。",
        "dap": "DAP：お届け時に関税・税金を請求される場合があります。",
        "returns": "お届けから {days} 日以内に返品を申し込めます。",
    },
    "es": {
        "subject": "Pedido {number} confirmado",
        "intro": "Gracias por su pedido. Hemos recibido su pago.",
        "subtotal": "Artículos",
        "shipping": "Envío",
        "duties_taxes": "Aranceles e impuestos",
        "total": "Total",
        "ddp": "DDP: aranceles e impuestos incluidos; no pagará nada más en la entrega.",
        "dap": "DAP: es posible que le cobren aranceles e impuestos en la entrega.",
        "returns": "Puede solicitar una devolución en los {days} días siguientes a la entrega.",
    },
}
ORDER_SHIPPED = {
    "ko": {
        "subject": "주문 {number} 발송",
        "intro": "주문하신 상품이 발송되었습니다.",
        "carrier": "운송사",
        "tracking": "운송장 번호",
        "follow": "배송 조회",
    },
    "en": {
        "subject": "Order {number} has shipped",
        "intro": "Your parcel is on its way.",
        "carrier": "Carrier",
        "tracking": "Tracking number",
        "follow": "Track your parcel",
    },
    "zh-hans": {
        "subject": "订单 {number} 已发货",
        "intro": "您的包裹已发出。",
        "carrier": "承运商",
        "tracking": "运单号",
        "follow": "查询物流",
    },
    "ja": {
        "subject": "ご注文 {number} を発送しました",
        "intro": "お荷物を発送しました。",
        "carrier": "配送業者",
        "tracking": "追跡番号",
        "follow": "配送状況を確認",
    },
    "es": {
        "subject": "El pedido {number} ha salido",
        "intro": "Su paquete está en camino.",
        "carrier": "Transportista",
        "tracking": "Número de seguimiento",
        "follow": "Seguir el envío",
    },
}
REFUND_ISSUED = {
    "ko": {
        "subject": "주문 {number} 환불 완료",
        "intro": "{amount}이(가) 환불되었습니다. 카드사에 따라 반영까지 며칠 걸릴 수 있습니다.",
    },
    "en": {
        "subject": "Refund for order {number}",
        "intro": "We have refunded {amount}. Your bank may take a few days to show it.",
    },
    "zh-hans": {"subject": "订单 {number} 已退款", "intro": "我们已退款 {amount}。银行入账可能需要几天。"},
    "ja": {"subject": "ご注文 {number} の返金", "intro": "{amount} を返金しました。反映まで数日かかる場合があります。"},
    "es": {
        "subject": "Reembolso del pedido {number}",
        "intro": "Hemos reembolsado {amount}. Su banco puede tardar unos días en reflejarlo.",
    },
}
SELLER_NEW_LINES = {
    "ko": {
        "subject": "발송할 새 주문 {number}",
        "intro": "결제가 완료된 주문에 귀사 상품이 있습니다. 창고에서 출고를 준비합니다.",
        "destination": "배송지 국가",
    },
    "en": {
        "subject": "New lines to ship: order {number}",
        "intro": "A paid order holds your products; the warehouse prepares them.",
        "destination": "Destination country",
    },
    "zh-hans": {
        "subject": "新订单 {number} 待发货",
        "intro": "已付款订单中有贵公司的商品，仓库正在备货。",
        "destination": "目的国",
    },
    "ja": {
        "subject": "発送待ちの新規注文 {number}",
        "intro": "支払い済みの注文に貴社の商品が含まれています。倉庫で出荷を準備します。",
        "destination": "お届け先の国",
    },
    "es": {
        "subject": "Nuevas líneas para enviar: pedido {number}",
        "intro": "Un pedido pagado incluye sus productos; el almacén los prepara.",
        "destination": "País de destino",
    },
}


def _order(event: Event) -> Order | None:
    return Order.objects.select_related("buyer").filter(pk=event.data["order"]["id"]).first()


def order_paid_notify(event: Event) -> None:
    """The buyer's confirmation (lines, shipping, duties and taxes, DDP/DAP, return window),
    and each seller's owners and editors: their new lines to ship."""
    order = _order(event)
    if order is None:
        return
    locale = order.locale

    def money(field: str) -> str:
        return money_format(order.money(field), locale)

    email_queue(
        to=order.email,
        user=order.buyer,
        template="emails/order_confirmation",
        locale=locale,
        event=event,
        context={
            "t": phrases(ORDER_CONFIRMATION, locale, number=order.number, days=settings.RETURN_WINDOW_DAYS),
            "order": order,
            "lines": [
                {"title": line["title"], "quantity": line["quantity"], "total": money_format(line["total"], locale)}
                for line in event.data["lines"]
            ],
            "subtotal": money("subtotal"),
            "shipping": money("shipping"),
            "duties_taxes": money_format(Money(order.duties + order.taxes, order.currency), locale),
            "total": money("total"),
        },
    )
    for company_id in event.company_ids:
        own = event.data_for(company_id)["lines"]
        for user in company_notified_staff([company_id]):
            email_queue(
                to=user.email,
                user=user,
                template="emails/seller_new_lines",
                locale=settings.CONTENT_DEFAULT_LOCALE,
                event=event,
                optional=True,
                context={
                    "t": phrases(SELLER_NEW_LINES, settings.CONTENT_DEFAULT_LOCALE, number=order.number),
                    "lines": own,
                    "destination": event.data["order"]["destination_country"],
                },
            )


def order_shipped_notify(event: Event) -> None:
    """The buyer: carrier, tracking number and link, for a shipment of an order."""
    shipment = event.data["shipment"]
    order_id = order_id_for_reference(shipment["reference"])
    order = Order.objects.select_related("buyer").filter(pk=order_id).first() if order_id is not None else None
    if order is None:
        return  # a consignment's shipment: the B2B buyer has its own documents
    email_queue(
        to=order.email,
        user=order.buyer,
        template="emails/order_shipped",
        locale=order.locale,
        event=event,
        context={"t": phrases(ORDER_SHIPPED, order.locale, number=order.number), "shipment": shipment},
    )


def refund_issued_notify(event: Event) -> None:
    order = _order(event)
    if order is None:
        return
    amount = money_format(event.data["refund"]["amount"], order.locale)
    email_queue(
        to=order.email,
        user=order.buyer,
        template="emails/refund_issued",
        locale=order.locale,
        event=event,
        context={"t": phrases(REFUND_ISSUED, order.locale, number=order.number, amount=amount), "amount": amount},
    )


NOTIFY = {
    EventType.ORDER_PAID: order_paid_notify,
    EventType.SHIPMENT_SHIPPED: order_shipped_notify,
    EventType.REFUND_EXECUTED: refund_issued_notify,
}
