"""The shipping company's owners and editors hear when the warehouse counted an inbound
shipment differently from its ASN (optional: each may turn it off). Called by the receiver of
core's event_dispatched (logistics/receivers.py), in each recipient's own language."""

from brands.selectors import company_notified_staff
from core.emails import phrases, staff_email_queue
from core.events import EventType
from core.models import Event

INBOUND_DISCREPANCIES = {
    "ko": {
        "subject": "입고 ASN-{number} 수량 차이",
        "intro": "{warehouse} 창고가 입고 ASN-{number}을(를) 받았으나 일부 품목의 수량이 ASN과 다릅니다.",
        "sku": "SKU",
        "expected": "예정",
        "received": "입고",
        "difference": "차이",
        "next": "수량이 틀렸다면 창고에 문의하고, 부족분은 다음 입고로 보내세요.",
    },
    "en": {
        "subject": "Inbound ASN-{number}: counts differ from the ASN",
        "intro": "{warehouse} received ASN-{number}, but some lines were counted differently from the ASN.",
        "sku": "SKU",
        "expected": "Expected",
        "received": "Received",
        "difference": "Difference",
        "next": "If a count looks wrong, contact the warehouse; send any shortfall with your next shipment.",
    },
    "zh-hans": {
        "subject": "入库 ASN-{number}：数量与预报不符",
        "intro": "{warehouse} 已收到 ASN-{number}，但部分商品的清点数量与预报不符。",
        "sku": "SKU",
        "expected": "预报",
        "received": "实收",
        "difference": "差异",
        "next": "如数量有误，请联系仓库；短缺部分请随下一批发货补寄。",
    },
    "ja": {
        "subject": "入庫 ASN-{number}：数量が ASN と異なります",
        "intro": "{warehouse} が ASN-{number} を受け取りましたが、一部の品目の数量が ASN と異なります。",
        "sku": "SKU",
        "expected": "予定",
        "received": "入荷",
        "difference": "差異",
        "next": "数量に誤りがあれば倉庫にご連絡ください。不足分は次回の入庫でお送りください。",
    },
    "es": {
        "subject": "Entrada ASN-{number}: cantidades distintas del aviso",
        "intro": "{warehouse} recibió la ASN-{number}, pero algunas líneas se contaron distinto de lo avisado.",
        "sku": "SKU",
        "expected": "Previsto",
        "received": "Recibido",
        "difference": "Diferencia",
        "next": "Si un recuento parece erróneo, contacte con el almacén; envíe lo que falte en su próximo envío.",
    },
}


def inbound_discrepancies_notify(event: Event) -> None:
    """Only a receipt with discrepancies is told; a receipt as announced needs no e-mail."""
    discrepancies = event.data["discrepancies"]
    if not discrepancies:
        return
    shipment = event.data["inbound_shipment"]
    staff_email_queue(
        users=company_notified_staff(event.company_ids),
        template="emails/inbound_discrepancies",
        event=event,
        optional=True,
        context=lambda locale: {
            "t": phrases(INBOUND_DISCREPANCIES, locale, number=shipment["id"], warehouse=shipment["warehouse"]["name"]),
            "lines": discrepancies,
        },
    )


NOTIFY = {EventType.INBOUND_RECEIVED: inbound_discrepancies_notify}
