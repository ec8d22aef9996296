"""Who hears about returns and the B2B trade desk by e-mail: the buyer whose return was approved
(in the language they checked out in), and the buyer who posted an RFQ (in the language they
posted it in) when a quote arrives or the RFQ is about to close. Called like
marketplace/notifications.py, from the receiver of core's event_dispatched."""

from datetime import UTC

from django.conf import settings
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from core.emails import date_format, email_locale, email_queue, money_format, phrases
from core.events import EventType
from core.locales import localized
from core.models import Event
from logistics.selectors import physical_return_get
from marketplace.models import RFQ, Quote, ReturnRequest

RETURN_APPROVED = {
    "ko": {
        "subject": "반품 {reference} 승인 (주문 {number})",
        "intro": "{title} {quantity}개의 반품이 승인되었습니다.",
        "send": "상품을 포장해 아래 반품 센터로 보내 주세요. 상품을 받아 검수한 뒤 환불해 드립니다.",
        "carrier": "운송사",
        "tracking": "반품 운송장 번호",
        "centre": "반품 센터",
        "label": "반품 라벨(PDF)",
    },
    "en": {
        "subject": "Return {reference} approved (order {number})",
        "intro": "We have approved your return of {quantity} x {title}.",
        "send": "Pack the goods and send them to the returns centre below. We refund you once they are received and "
        "inspected.",
        "carrier": "Carrier",
        "tracking": "Return tracking number",
        "centre": "Returns centre",
        "label": "Return label (PDF)",
    },
    "zh-hans": {
        "subject": "退货 {reference} 已批准（订单 {number}）",
        "intro": "您退回 {quantity} 件 {title} 的申请已获批准。",
        "send": "请将商品包装好寄往下方的退货中心。我们收到并检验商品后为您退款。",
        "carrier": "承运商",
        "tracking": "退货运单号",
        "centre": "退货中心",
        "label": "退货标签（PDF）",
    },
    "ja": {
        "subject": "返品 {reference} を承認しました（ご注文 {number}）",
        "intro": "{title} {quantity} 点の返品を承認しました。",
        "send": "商品を梱包し、下記の返品センターへお送りください。受け取りと検品の後に返金いたします。",
        "carrier": "配送業者",
        "tracking": "返品の追跡番号",
        "centre": "返品センター",
        "label": "返品ラベル（PDF）",
    },
    "es": {
        "subject": "Devolución {reference} aprobada (pedido {number})",
        "intro": "Hemos aprobado la devolución de {quantity} x {title}.",
        "send": "Embale los artículos y envíelos al centro de devoluciones indicado abajo. Le reembolsaremos cuando "
        "los recibamos e inspeccionemos.",
        "carrier": "Transportista",
        "tracking": "Número de seguimiento de la devolución",
        "centre": "Centro de devoluciones",
        "label": "Etiqueta de devolución (PDF)",
    },
}
QUOTE_RECEIVED = {
    "ko": {
        "subject": "RFQ {rfq} 견적 도착: {seller}",
        "intro": "{seller}에서 견적 요청 \u201c{title}\u201d에 견적을 보냈습니다.",
        "total": "총액",
        "incoterm": "인코텀즈",
        "valid": "유효 기한",
        "lead_time": "리드타임",
        "lead_days": "{lead_days}일",
        "compare": "견적을 비교한 뒤 마음에 드는 견적을 수락하세요.",
    },
    "en": {
        "subject": "RFQ {rfq}: a quote from {seller}",
        "intro": "{seller} has quoted on your request for quotation \u201c{title}\u201d.",
        "total": "Total",
        "incoterm": "Incoterm",
        "valid": "Valid until",
        "lead_time": "Lead time",
        "lead_days": "{lead_days} days",
        "compare": "Compare the quotes and accept the one you choose.",
    },
    "zh-hans": {
        "subject": "RFQ {rfq} 收到 {seller} 的报价",
        "intro": "{seller} 对您的询价\u201c{title}\u201d提交了报价。",
        "total": "总价",
        "incoterm": "贸易术语",
        "valid": "有效期至",
        "lead_time": "交货期",
        "lead_days": "{lead_days} 天",
        "compare": "请比较各份报价，并接受您选中的一份。",
    },
    "ja": {
        "subject": "RFQ {rfq}：{seller} から見積もりが届きました",
        "intro": "{seller} から見積依頼「{title}」への見積もりが届きました。",
        "total": "合計",
        "incoterm": "インコタームズ",
        "valid": "有効期限",
        "lead_time": "リードタイム",
        "lead_days": "{lead_days} 日",
        "compare": "見積もりを比較し、お選びの見積もりを承諾してください。",
    },
    "es": {
        "subject": "RFQ {rfq}: oferta de {seller}",
        "intro": "{seller} ha enviado una oferta para su solicitud de cotización «{title}».",
        "total": "Total",
        "incoterm": "Incoterm",
        "valid": "Válida hasta",
        "lead_time": "Plazo de entrega",
        "lead_days": "{lead_days} días",
        "compare": "Compare las ofertas y acepte la que elija.",
    },
}
RFQ_CLOSING_SOON = {
    "ko": {
        "subject": "RFQ {rfq} 마감 임박 ({deadline})",
        "intro": "견적 요청 \u201c{title}\u201d이(가) {deadline}에 마감됩니다.",
        "quotes": "지금까지 받은 견적: {count}건",
        "after": "마감 후 {days}일 안에 견적을 수락할 수 있습니다.",
    },
    "en": {
        "subject": "RFQ {rfq} closes on {deadline}",
        "intro": "Your request for quotation \u201c{title}\u201d closes on {deadline}.",
        "quotes": "Quotes received so far: {count}",
        "after": "After the deadline you have {days} days to accept a quote.",
    },
    "zh-hans": {
        "subject": "RFQ {rfq} 即将截止（{deadline}）",
        "intro": "您的询价\u201c{title}\u201d将于 {deadline} 截止。",
        "quotes": "目前已收到报价：{count} 份",
        "after": "截止后 {days} 天内仍可接受报价。",
    },
    "ja": {
        "subject": "RFQ {rfq} の締切が近づいています（{deadline}）",
        "intro": "見積依頼「{title}」は {deadline} に締め切られます。",
        "quotes": "これまでに届いた見積もり：{count} 件",
        "after": "締切後 {days} 日以内であれば見積もりを承諾できます。",
    },
    "es": {
        "subject": "La RFQ {rfq} cierra el {deadline}",
        "intro": "Su solicitud de cotización «{title}» cierra el {deadline}.",
        "quotes": "Ofertas recibidas hasta ahora: {count}",
        "after": "Tras la fecha límite tiene {days} días para aceptar una oferta.",
    },
}


def return_approved_notify(event: Event) -> None:
    """The buyer: the return's reference, the label's carrier and tracking number, and the
    address of the returns centre of their zone the goods go to."""
    request = (
        ReturnRequest.objects.select_related("order_line__order__buyer").filter(pk=event.data["return"]["id"]).first()
    )
    physical = physical_return_get(reference=request.reference) if request is not None else None
    if physical is None:
        return
    line, order = request.order_line, request.order_line.order
    locale = email_locale(order.locale)
    words = phrases(
        RETURN_APPROVED,
        locale,
        reference=request.pk,
        number=order.number,
        quantity=request.quantity,
        title=line.title,
    )
    email_queue(
        to=order.email,
        user=order.buyer,
        template="emails/return_approved",
        locale=locale,
        event=event,
        context={
            "t": words,
            "label": physical,
            "label_path": reverse("return-label", kwargs={"pk": request.pk}),
            "centre": physical.returns_centre,
        },
    )


def rfq_buyer(rfq_id: int) -> RFQ | None:
    """The RFQ with the buyer who posted it, when that account can still be written to."""
    rfq = RFQ.objects.select_related("created_by").filter(pk=rfq_id).first()
    if rfq is None or rfq.created_by is None or not rfq.created_by.is_active or rfq.created_by.closed_at:
        return None
    return rfq


def quote_received_notify(event: Event) -> None:
    """The buyer who posted the RFQ: who quoted, the total with its currency and incoterm, the
    lead time and how long the quote holds."""
    rfq = rfq_buyer(event.data["quote"]["rfq"])
    quote = Quote.objects.select_related("company", "brand").filter(pk=event.data["quote"]["id"]).first()
    if rfq is None or quote is None:
        return
    locale = email_locale(rfq.locale)
    # A brand quote is the brand's offer (its lead company only signs it).
    if quote.brand is not None:
        seller = localized(quote.brand.name_translations, locale)[0] or quote.brand.name
    else:
        seller = localized(quote.company.name_translations, locale)[0] or quote.company.legal_name
    email_queue(
        to=rfq.created_by.email,
        user=rfq.created_by,
        template="emails/quote_received",
        locale=locale,
        event=event,
        context={
            "t": phrases(
                QUOTE_RECEIVED, locale, rfq=rfq.pk, seller=seller, title=rfq.title, lead_days=quote.lead_time_days
            ),
            "quote": quote,
            "total": money_format(quote.money("total"), locale),
            "valid_until": date_format(quote.valid_until, locale),
        },
    )


def rfq_closing_soon_notify(event: Event) -> None:
    """The buyer who posted the RFQ, once (the sweep records one event per RFQ): its deadline
    and the number of active quotes so far."""
    rfq = rfq_buyer(event.data["rfq"]["id"])
    if rfq is None:
        return
    locale = email_locale(rfq.locale)
    deadline = parse_datetime(event.data["rfq"]["deadline"]).astimezone(UTC)
    when = f"{date_format(deadline.date(), locale)} {deadline:%H:%M} UTC"
    email_queue(
        to=rfq.created_by.email,
        user=rfq.created_by,
        template="emails/rfq_closing_soon",
        locale=locale,
        event=event,
        context={
            "t": phrases(
                RFQ_CLOSING_SOON,
                locale,
                rfq=rfq.pk,
                title=rfq.title,
                deadline=when,
                count=event.data["rfq"]["active_quotes"],
                days=settings.RFQ_AWARD_WINDOW_DAYS,
            )
        },
    )


TRADE_NOTIFY = {
    EventType.RETURN_APPROVED: return_approved_notify,
    EventType.QUOTE_SUBMITTED: quote_received_notify,
    EventType.RFQ_CLOSING_SOON: rfq_closing_soon_notify,
}
