"""Sellers' e-mails about B2B deals and money: an accepted quote, a monthly statement, a payout.
Each goes to the company's owners and editors, in each recipient's own language, always (they
are transactional). Called by the receiver of core's event_dispatched
(marketplace/receivers.py), inside the event's dispatch transaction."""

from django.urls import reverse

from brands.selectors import company_notified_staff
from core.emails import money_format, phrases, staff_email_queue
from core.events import EventType
from core.models import Event
from marketplace.models import Quote

SELLER_QUOTE_ACCEPTED = {
    "ko": {
        "subject": "견적 수락: 주문 {number}",
        "intro": "{buyer}이(가) 견적 #{quote}을(를) 수락하여 주문 {number}이(가) 생성되었습니다.",
        "buyer": "구매 기업",
        "total": "총액",
        "incoterm": "인코텀즈",
        "order": "주문 번호",
    },
    "en": {
        "subject": "Quote accepted: order {number}",
        "intro": "{buyer} accepted quote #{quote}; it became order {number}.",
        "buyer": "Buyer",
        "total": "Total",
        "incoterm": "Incoterm",
        "order": "Order number",
    },
    "zh-hans": {
        "subject": "报价已接受：订单 {number}",
        "intro": "{buyer} 接受了报价 #{quote}，已生成订单 {number}。",
        "buyer": "采购商",
        "total": "总额",
        "incoterm": "贸易术语",
        "order": "订单号",
    },
    "ja": {
        "subject": "見積が承諾されました：注文 {number}",
        "intro": "{buyer} が見積 #{quote} を承諾し、注文 {number} になりました。",
        "buyer": "買い手企業",
        "total": "合計",
        "incoterm": "インコタームズ",
        "order": "注文番号",
    },
    "es": {
        "subject": "Oferta aceptada: pedido {number}",
        "intro": "{buyer} aceptó la oferta n.º {quote}; se convirtió en el pedido {number}.",
        "buyer": "Comprador",
        "total": "Total",
        "incoterm": "Incoterm",
        "order": "Número de pedido",
    },
}
STATEMENT_READY = {
    "ko": {
        "subject": "{period} 정산서 발행",
        "intro": "{period} 정산서가 확정되었습니다.",
        "closing": "기말 잔액",
        "owed": "잔액이 마이너스이면 다음 달 정산에서 차감됩니다.",
        "link": "정산서 보기(API)",
    },
    "en": {
        "subject": "Your {period} statement is ready",
        "intro": "Your statement for {period} is settled.",
        "closing": "Closing balance",
        "owed": "A negative balance is carried forward into the next statement.",
        "link": "Statement (API)",
    },
    "zh-hans": {
        "subject": "{period} 结算单已生成",
        "intro": "您 {period} 的结算单已确定。",
        "closing": "期末余额",
        "owed": "余额为负时，将结转到下月结算单。",
        "link": "查看结算单（API）",
    },
    "ja": {
        "subject": "{period} の精算書ができました",
        "intro": "{period} の精算書が確定しました。",
        "closing": "期末残高",
        "owed": "残高がマイナスの場合は、翌月の精算書に繰り越されます。",
        "link": "精算書（API）",
    },
    "es": {
        "subject": "Su liquidación de {period} está lista",
        "intro": "Su liquidación de {period} está cerrada.",
        "closing": "Saldo de cierre",
        "owed": "Un saldo negativo se traslada a la liquidación del mes siguiente.",
        "link": "Liquidación (API)",
    },
}
PAYOUT_SENT = {
    "ko": {
        "subject": "{period} 정산금 {amount} 지급",
        "intro": "{period} 정산금 {amount}을(를) 지급했습니다.",
        "reference": "이체 참조 번호",
    },
    "en": {
        "subject": "Payout of {amount} for {period} sent",
        "intro": "We have paid out {amount} for {period}.",
        "reference": "Transfer reference",
    },
    "zh-hans": {
        "subject": "{period} 结算款 {amount} 已付",
        "intro": "我们已支付 {period} 的结算款 {amount}。",
        "reference": "转账参考号",
    },
    "ja": {
        "subject": "{period} の精算金 {amount} を送金しました",
        "intro": "{period} の精算金 {amount} を送金しました。",
        "reference": "振込参照番号",
    },
    "es": {
        "subject": "Pago de {amount} de {period} enviado",
        "intro": "Le hemos pagado {amount} correspondientes a {period}.",
        "reference": "Referencia de la transferencia",
    },
}


def seller_quote_accepted_notify(event: Event) -> None:
    """The quoting company's (and a brand quote's sellers') staff: buyer, total, incoterm, order."""
    data = event.data["quote"]
    quote = Quote.objects.select_related("rfq__buyer_company").filter(pk=data["id"]).first()
    if quote is None:
        return
    buyer = quote.rfq.buyer_company
    buyer_name = f"{buyer.name} ({buyer.country})"
    order = event.data["order"]
    staff_email_queue(
        users=company_notified_staff(event.company_ids),
        template="emails/seller_quote_accepted",
        event=event,
        context=lambda locale: {
            "t": phrases(SELLER_QUOTE_ACCEPTED, locale, number=order, quote=quote.pk, buyer=buyer_name),
            "buyer": buyer_name,
            "total": money_format(data["total"], locale),
            "incoterm": data["incoterm"],
            "order": order,
        },
    )


def statement_ready_notify(event: Event) -> None:
    statement = event.data["statement"]
    where = {"company_id": statement["company"], "period": statement["period"]}
    path = reverse("company-statement-detail", kwargs=where)
    staff_email_queue(
        users=company_notified_staff(event.company_ids),
        template="emails/statement_ready",
        event=event,
        context=lambda locale: {
            "t": phrases(STATEMENT_READY, locale, period=statement["period"]),
            "closing": money_format(statement["net"], locale),
            "owed": statement["net"]["amount"].startswith("-"),
            "path": path,
        },
    )


def payout_sent_notify(event: Event) -> None:
    payout = event.data["payout"]
    staff_email_queue(
        users=company_notified_staff(event.company_ids),
        template="emails/payout_sent",
        event=event,
        context=lambda locale: {
            "t": phrases(PAYOUT_SENT, locale, period=payout["period"], amount=money_format(payout["amount"], locale)),
            "reference": payout.get("reference", ""),  # events recorded before it was in the payload
        },
    )


SELLER_NOTIFY = {
    EventType.QUOTE_ACCEPTED: seller_quote_accepted_notify,
    EventType.STATEMENT_READY: statement_ready_notify,
    EventType.PAYOUT_SENT: payout_sent_notify,
}
