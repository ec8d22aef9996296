"""The operators' daily digest: one e-mail to each operator listing the desk's overdue queues
(config/queues.py), with each queue's count, its oldest wait and a link to its admin list. It
spans every app, so it lives in config beside the dashboard (docs/operator-guide.md)."""

from datetime import datetime

from babel.dates import format_timedelta
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.dashboard import changelist
from config.queues import overdue_queues
from core.emails import BABEL_LOCALES, email_queue, phrases, staff_locale
from core.selectors import operator_list

TEMPLATE = "emails/operator_digest"

DIGEST_PHRASES = {
    "en": {
        "subject": "Operations desk, {date}: {count} overdue queue(s)",
        "intro": "These queues hold work waiting longer than it should:",
        "queue": "Queue",
        "waiting": "Overdue",
        "oldest": "Oldest waiting",
        "desk": "Open the operations desk: {url}",
        "orders_to_fulfil": "Paid orders not fulfilled within 48 hours",
        "refunds_granted": "Refunds granted but not executed after a day",
        "terms_invoices_overdue": "Invoices on net terms past their due date",
        "inbound_to_inspect": "Inbound shipments received but not inspected after 2 days",
        "declarations_held": "Customs declarations held for more than 2 days",
        "returns_to_approve": "Return requests waiting more than 2 days for a decision",
    },
    "ko": {
        "subject": "운영 데스크 {date}: 지연된 대기열 {count}개",
        "intro": "다음 대기열에 처리 기한을 넘긴 작업이 있습니다:",
        "queue": "대기열",
        "waiting": "지연 건수",
        "oldest": "가장 오래 대기",
        "desk": "운영 데스크 열기: {url}",
        "orders_to_fulfil": "결제 후 48시간 안에 출고되지 않은 주문",
        "refunds_granted": "승인 후 하루가 지나도 실행되지 않은 환불",
        "terms_invoices_overdue": "지급 기일이 지난 외상 거래 청구서",
        "inbound_to_inspect": "입고 후 2일이 지나도 검수되지 않은 입고 화물",
        "declarations_held": "2일 넘게 보류된 통관 신고",
        "returns_to_approve": "2일 넘게 결정을 기다리는 반품 요청",
    },
    "zh-hans": {
        "subject": "运营台 {date}：{count} 个逾期队列",
        "intro": "以下队列中有超过处理时限的工作：",
        "queue": "队列",
        "waiting": "逾期数量",
        "oldest": "最长等待",
        "desk": "打开运营台：{url}",
        "orders_to_fulfil": "付款后 48 小时内未履约的订单",
        "refunds_granted": "已批准但一天后仍未执行的退款",
        "terms_invoices_overdue": "已过付款期限的账期发票",
        "inbound_to_inspect": "收货 2 天后仍未检验的入库货件",
        "declarations_held": "被扣留超过 2 天的报关单",
        "returns_to_approve": "等待决定超过 2 天的退货申请",
    },
    "ja": {
        "subject": "オペレーションデスク {date}：期限超過のキュー {count} 件",
        "intro": "次のキューに期限を過ぎた作業があります：",
        "queue": "キュー",
        "waiting": "期限超過",
        "oldest": "最長待ち時間",
        "desk": "オペレーションデスクを開く：{url}",
        "orders_to_fulfil": "支払い後 48 時間以内に出荷されていない注文",
        "refunds_granted": "承認後 1 日を過ぎても実行されていない返金",
        "terms_invoices_overdue": "支払期日を過ぎた掛け払いの請求書",
        "inbound_to_inspect": "受領後 2 日を過ぎても検品されていない入庫貨物",
        "declarations_held": "2 日以上保留されている通関申告",
        "returns_to_approve": "2 日以上判断を待っている返品リクエスト",
    },
    "es": {
        "subject": "Mesa de operaciones, {date}: {count} cola(s) con retraso",
        "intro": "Estas colas tienen trabajo que espera más de lo debido:",
        "queue": "Cola",
        "waiting": "Con retraso",
        "oldest": "Espera más larga",
        "desk": "Abra la mesa de operaciones: {url}",
        "orders_to_fulfil": "Pedidos pagados sin preparar en 48 horas",
        "refunds_granted": "Reembolsos concedidos sin ejecutar tras un día",
        "terms_invoices_overdue": "Facturas a plazo vencidas",
        "inbound_to_inspect": "Envíos de entrada recibidos sin inspeccionar tras 2 días",
        "declarations_held": "Declaraciones de aduana retenidas más de 2 días",
        "returns_to_approve": "Solicitudes de devolución sin decidir tras 2 días",
    },
}


def operator_digest_send(*, now: datetime | None = None) -> int:
    """E-mails each operator one message listing the overdue queues, at most once a day (the
    message's key is the date); nothing when no queue is overdue. Returns the messages written."""
    now = now or timezone.now()
    queues = overdue_queues(now=now)
    if not queues:
        return 0
    day = timezone.localdate(now).isoformat()
    written = 0
    with transaction.atomic():  # the messages are sent after commit
        for user in operator_list():
            locale = staff_locale(user)
            t = phrases(DIGEST_PHRASES, locale, date=day, count=len(queues), url=f"{settings.PUBLIC_BASE_URL}/admin/")
            rows = [
                {
                    "label": t[item.queue.key],
                    "count": item.count,
                    "oldest": format_timedelta(item.oldest, locale=BABEL_LOCALES[locale]),
                    "url": settings.PUBLIC_BASE_URL + changelist(item.queue.model, **item.queue.filters),
                }
                for item in queues
            ]
            message = email_queue(
                to=user.email,
                user=user,
                template=TEMPLATE,
                locale=locale,
                key=f"operator_digest:{day}",
                context={"t": t, "queues": rows},
            )
            if message is not None:  # None: this operator had today's digest already
                written += 1
    return written
