"""Who hears about orders by e-mail, and in which words: the buyer (in the language they
checked out in) and the sellers' owners and editors. Called by the receiver of core's
event_dispatched (marketplace/receivers.py), inside the event's dispatch transaction; core's
message log sends each message once, after commit."""

from django.conf import settings

from brands.selectors import company_notified_staff
from core.emails import date_format, email_locale, email_queue, money_format, phrases, staff_email_queue
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


# --- the buyer: delivery and payment trouble -------------------------------------------------
ORDER_DELIVERED = {
    "ko": {"subject": "주문 {number} 배송 완료", "intro": "주문하신 상품이 도착했습니다.", "delivered": "배송 완료일"},
    "en": {
        "subject": "Order {number} has been delivered",
        "intro": "Your parcel has arrived.",
        "delivered": "Delivered on",
    },
    "zh-hans": {"subject": "订单 {number} 已送达", "intro": "您的包裹已送达。", "delivered": "送达日期"},
    "ja": {"subject": "ご注文 {number} をお届けしました", "intro": "お荷物をお届けしました。", "delivered": "お届け日"},
    "es": {
        "subject": "El pedido {number} ha sido entregado",
        "intro": "Su paquete ha llegado.",
        "delivered": "Entregado el",
    },
}
PAYMENT_FAILED = {
    "ko": {
        "subject": "주문 {number} 결제 실패",
        "intro": "{amount} 결제가 완료되지 않아 주문을 발송하지 않았습니다.",
        "todo": "같은 카드나 다른 카드로 다시 결제하시면 주문이 완료됩니다. 결제 전까지 상품은 확보되지 않습니다.",
        "link": "다시 결제하기",
    },
    "en": {
        "subject": "Payment for order {number} failed",
        "intro": "Your payment of {amount} did not go through, so we have not sent your order.",
        "todo": "Pay again, with the same or another card, to complete it. "
        "Until you do, the items are not held for you.",
        "link": "Pay for your order",
    },
    "zh-hans": {
        "subject": "订单 {number} 付款失败",
        "intro": "您的 {amount} 付款未成功，订单尚未发货。",
        "todo": "请使用同一张或另一张银行卡重新付款以完成订单。付款前，商品不会为您保留。",
        "link": "重新付款",
    },
    "ja": {
        "subject": "ご注文 {number} のお支払いができませんでした",
        "intro": "{amount} のお支払いが完了しなかったため、ご注文はまだ発送していません。",
        "todo": "同じカードまたは別のカードで再度お支払いいただくと、ご注文が確定します。"
        "お支払いまで商品は確保されません。",
        "link": "もう一度支払う",
    },
    "es": {
        "subject": "El pago del pedido {number} ha fallado",
        "intro": "Su pago de {amount} no se ha completado, así que no hemos enviado su pedido.",
        "todo": "Vuelva a pagar, con la misma u otra tarjeta, para completarlo. "
        "Hasta entonces no le reservamos los artículos.",
        "link": "Pagar el pedido",
    },
}
PAYMENT_ACTION_REQUIRED = {
    "ko": {
        "subject": "주문 {number}: 결제 인증 필요",
        "intro": "카드사에서 {amount} 결제에 대한 본인 인증(3-D Secure 등)을 요청했습니다.",
        "todo": "{minutes}분 안에 인증하지 않으면 주문이 취소되고 상품 확보가 풀립니다.",
        "link": "결제 인증하기",
    },
    "en": {
        "subject": "Order {number}: confirm your payment",
        "intro": "Your bank asks you to confirm the payment of {amount} (3-D Secure or a similar check).",
        "todo": "Confirm it within {minutes} minutes, or the order is cancelled and the items released.",
        "link": "Confirm the payment",
    },
    "zh-hans": {
        "subject": "订单 {number}：请确认付款",
        "intro": "您的银行要求您确认 {amount} 的付款（3-D Secure 或类似验证）。",
        "todo": "请在 {minutes} 分钟内完成确认，否则订单将被取消，商品不再保留。",
        "link": "确认付款",
    },
    "ja": {
        "subject": "ご注文 {number}：お支払いの認証をお願いします",
        "intro": "カード会社が {amount} のお支払いについて本人認証（3-Dセキュアなど）を求めています。",
        "todo": "{minutes} 分以内に認証されない場合、ご注文はキャンセルされ、商品の確保も解除されます。",
        "link": "お支払いを認証する",
    },
    "es": {
        "subject": "Pedido {number}: confirme su pago",
        "intro": "Su banco le pide que confirme el pago de {amount} (3-D Secure o una verificación similar).",
        "todo": "Confírmelo en {minutes} minutos o el pedido se cancelará y los artículos dejarán de estar reservados.",
        "link": "Confirmar el pago",
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
        staff_email_queue(
            users=company_notified_staff([company_id]),
            template="emails/seller_new_lines",
            event=event,
            optional=True,
            context=lambda locale, own=own: {
                "t": phrases(SELLER_NEW_LINES, locale, number=order.number),
                "lines": own,
                "destination": event.data["order"]["destination_country"],
            },
        )


def shipment_order(shipment: dict) -> Order | None:
    """The order a shipment event's reference names ("order:<id>", or "order:<id>:inbound:<id>" for
    its stocked backorders); None for a consignment's."""
    order_id = order_id_for_reference(shipment["reference"])
    return Order.objects.select_related("buyer").filter(pk=order_id).first() if order_id is not None else None


def order_shipped_notify(event: Event) -> None:
    """The buyer: carrier, tracking number and link, for a shipment of an order."""
    shipment = event.data["shipment"]
    order = shipment_order(shipment)
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


def order_delivered_notify(event: Event) -> None:
    """The buyer: carrier, tracking number, the day it arrived, and the return window (the
    confirmation's words)."""
    shipment = event.data["shipment"]
    order = shipment_order(shipment)
    if order is None:
        return  # a consignment's shipment
    locale = email_locale(order.locale)
    shipped = phrases(ORDER_SHIPPED, locale, number=order.number)
    confirmation = phrases(ORDER_CONFIRMATION, locale, number=order.number, days=settings.RETURN_WINDOW_DAYS)
    email_queue(
        to=order.email,
        user=order.buyer,
        template="emails/order_delivered",
        locale=locale,
        event=event,
        context={
            "t": {
                **phrases(ORDER_DELIVERED, locale, number=order.number),
                "carrier": shipped["carrier"],
                "tracking": shipped["tracking"],
                "returns": confirmation["returns"],
            },
            "shipment": shipment,
            "delivered_on": date_format(shipment["delivered_at"], locale) if shipment.get("delivered_at") else "",
        },
    )


def payment_trouble_notify(event: Event) -> None:
    """The buyer, when a card payment failed (pay again) or their bank asks them to confirm it
    (3-D Secure): the order number, the amount and the page to do it on."""
    order = _order(event)
    if order is None:
        return
    locale = email_locale(order.locale)
    failed = event.type == EventType.PAYMENT_FAILED
    amount = money_format(event.data["payment"]["amount"], locale)
    table = PAYMENT_FAILED if failed else PAYMENT_ACTION_REQUIRED
    email_queue(
        to=order.email,
        user=order.buyer,
        template="emails/payment_failed" if failed else "emails/payment_action_required",
        locale=locale,
        event=event,
        context={
            "t": phrases(table, locale, number=order.number, amount=amount, minutes=settings.PAYMENT_TIMEOUT_MINUTES),
            "pay_url": settings.ORDER_PAYMENT_URL.format(number=order.number),
        },
    )


NOTIFY = {
    EventType.ORDER_PAID: order_paid_notify,
    EventType.SHIPMENT_SHIPPED: order_shipped_notify,
    EventType.REFUND_EXECUTED: refund_issued_notify,
    EventType.SHIPMENT_DELIVERED: order_delivered_notify,
    EventType.PAYMENT_FAILED: payment_trouble_notify,
    EventType.PAYMENT_ACTION_REQUIRED: payment_trouble_notify,
}
