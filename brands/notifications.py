"""The applicant company's owners hear the brand's decision on its membership application:
approved, or rejected with the reason (both always go). Called by the receiver of core's
event_dispatched (brands/receivers.py), in each recipient's own language."""

from brands.models import Company
from brands.selectors import company_notified_staff
from core.emails import phrases, staff_email_queue
from core.events import EventType
from core.models import Event

MEMBERSHIP_APPROVED = {
    "ko": {
        "subject": "{brand} 가입 승인",
        "intro": "{company}의 {brand} 공동 브랜드 가입 신청이 승인되었습니다.",
        "next": "이제 상품을 {brand} 브랜드로 등록하고 품질 검사를 요청할 수 있습니다.",
    },
    "en": {
        "subject": "Welcome to {brand}",
        "intro": "{company}'s application to the common brand {brand} is approved.",
        "next": "You can now list products under {brand} and ask for their quality inspection.",
    },
    "zh-hans": {
        "subject": "已加入 {brand}",
        "intro": "{company} 加入共同品牌 {brand} 的申请已获批准。",
        "next": "现在可以用 {brand} 品牌上架商品并申请质检。",
    },
    "ja": {
        "subject": "{brand} への加盟が承認されました",
        "intro": "{company} の共同ブランド {brand} への加盟申請が承認されました。",
        "next": "これから {brand} ブランドで商品を登録し、品質検査を依頼できます。",
    },
    "es": {
        "subject": "Bienvenidos a {brand}",
        "intro": "Se ha aprobado la solicitud de {company} para unirse a la marca común {brand}.",
        "next": "Ya puede publicar productos bajo {brand} y solicitar su inspección de calidad.",
    },
}
MEMBERSHIP_REJECTED = {
    "ko": {
        "subject": "{brand} 가입 신청 거절",
        "intro": "{company}의 {brand} 공동 브랜드 가입 신청이 거절되었습니다.",
        "reason": "사유",
        "next": "사유를 보완한 뒤 다시 신청할 수 있습니다.",
    },
    "en": {
        "subject": "Your application to {brand} was not accepted",
        "intro": "{company}'s application to the common brand {brand} was rejected.",
        "reason": "Reason",
        "next": "You may apply again once the reason is addressed.",
    },
    "zh-hans": {
        "subject": "{brand} 加入申请未获批准",
        "intro": "{company} 加入共同品牌 {brand} 的申请被拒绝。",
        "reason": "原因",
        "next": "解决上述问题后可重新申请。",
    },
    "ja": {
        "subject": "{brand} への加盟申請は承認されませんでした",
        "intro": "{company} の共同ブランド {brand} への加盟申請は却下されました。",
        "reason": "理由",
        "next": "理由を解消したうえで、再度申請できます。",
    },
    "es": {
        "subject": "Su solicitud a {brand} no fue aceptada",
        "intro": "La solicitud de {company} para unirse a la marca común {brand} fue rechazada.",
        "reason": "Motivo",
        "next": "Puede volver a solicitarlo cuando haya resuelto el motivo.",
    },
}


def membership_decided_notify(event: Event) -> None:
    """The applicant's owners (not the lead company's, which decided); a lead company's own
    membership, approved as it founds the brand, is not news to anyone."""
    membership = event.data["membership"]
    if membership["role"] == "lead":
        return
    approved = event.type == EventType.MEMBERSHIP_APPROVED
    company = Company.objects.filter(pk=membership["company"]).values_list("legal_name", flat=True).first()
    template, table = (
        ("membership_approved", MEMBERSHIP_APPROVED) if approved else ("membership_rejected", MEMBERSHIP_REJECTED)
    )
    staff_email_queue(
        users=company_notified_staff([membership["company"]], owners_only=True),
        template=f"emails/{template}",
        event=event,
        context=lambda locale: {
            "t": phrases(table, locale, brand=event.data["brand"]["name"], company=company),
            "reason": event.data.get("reason", ""),
        },
    )


NOTIFY = {
    EventType.MEMBERSHIP_APPROVED: membership_decided_notify,
    EventType.MEMBERSHIP_REJECTED: membership_decided_notify,
}
