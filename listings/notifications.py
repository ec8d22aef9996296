"""The product company's owners and editors hear of a failed QC inspection (optional: each
may turn it off). Called by the receiver of core's event_dispatched."""

from brands.selectors import company_notified_staff
from core.emails import phrases, staff_email_queue
from core.events import EventType
from core.models import Event

INSPECTION_FAILED = {
    "ko": {
        "subject": "품질 검사 불합격: {title}",
        "intro": "{brand} 품질 기준 v{version} 검사에서 다음 필수 항목이 불합격했습니다.",
        "next": "보완 후 다시 검사를 요청하세요.",
    },
    "en": {
        "subject": "Inspection failed: {title}",
        "intro": "The inspection against {brand}'s standard v{version} failed these required items.",
        "next": "Fix them and ask for a new inspection.",
    },
    "zh-hans": {
        "subject": "质检未通过：{title}",
        "intro": "按 {brand} 质量标准 v{version} 检验，以下必检项目未通过。",
        "next": "请整改后重新申请检验。",
    },
    "ja": {
        "subject": "検品不合格：{title}",
        "intro": "{brand} の品質基準 v{version} による検品で、次の必須項目が不合格でした。",
        "next": "改善のうえ、再検品を依頼してください。",
    },
    "es": {
        "subject": "Inspección no superada: {title}",
        "intro": "La inspección según el estándar v{version} de {brand} falló en estos puntos obligatorios.",
        "next": "Corríjalos y solicite una nueva inspección.",
    },
}


def inspection_failed_notify(event: Event) -> None:
    inspection = event.data["inspection"]
    words = {
        "title": inspection["product"]["title"],
        "brand": inspection["brand"]["name"],
        "version": inspection["standard_version"],
    }
    staff_email_queue(
        users=company_notified_staff(event.company_ids),
        template="emails/inspection_failed",
        event=event,
        optional=True,
        context=lambda locale: {
            "t": phrases(INSPECTION_FAILED, locale, **words),
            "items": inspection["failed_items"],
            "notes": inspection["notes"],
        },
    )


NOTIFY = {EventType.INSPECTION_FAILED: inspection_failed_notify}
