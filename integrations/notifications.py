"""The product company's owners and editors hear when a channel rejects a listing or it ends in
error, with the normalised issues (optional: each may turn it off). Called by the receiver of
core's event_dispatched."""

from brands.selectors import company_notified_staff
from core.emails import phrases, staff_email_queue
from core.events import EventType
from core.models import Event
from listings.models import Product
from listings.selectors import product_text

CHANNEL_LISTING_REJECTED = {
    "ko": {
        "subject": "{channel} 등록 거부: {title}",
        "intro": "{channel}이(가) 상품 등록을 받아들이지 않았습니다. 문제:",
        "next": "상품 정보를 고치면 다음 동기화 때 다시 보냅니다.",
    },
    "en": {
        "subject": "{channel} did not take {title}",
        "intro": "{channel} did not accept the listing. The issues:",
        "next": "Correct the product and the next sync sends it again.",
    },
    "zh-hans": {
        "subject": "{channel} 未接受：{title}",
        "intro": "{channel} 未接受该商品上架。问题如下：",
        "next": "修改商品信息后，下次同步会重新提交。",
    },
    "ja": {
        "subject": "{channel} が出品を受け付けませんでした：{title}",
        "intro": "{channel} が出品を受け付けませんでした。問題点：",
        "next": "商品情報を修正すると、次回の同期で再送します。",
    },
    "es": {
        "subject": "{channel} no aceptó {title}",
        "intro": "{channel} no aceptó la publicación. Los problemas:",
        "next": "Corrija el producto y la próxima sincronización lo enviará de nuevo.",
    },
}


def channel_listing_rejected_notify(event: Event) -> None:
    listing = event.data["channel_listing"]
    product = Product.objects.filter(pk=listing["product"]["id"]).prefetch_related("translations").first()
    issues = listing["issues"] or [{"code": "error", "attribute": "", "message": listing["message"]}]

    def context(locale):
        title = product_text(product, locale)["title"] if product else f"#{listing['product']['id']}"
        return {
            "t": phrases(CHANNEL_LISTING_REJECTED, locale, channel=listing["channel"], title=title),
            "issues": issues,
        }

    staff_email_queue(
        users=company_notified_staff(event.company_ids),
        template="emails/channel_listing_rejected",
        event=event,
        optional=True,
        context=context,
    )


NOTIFY = {
    EventType.CHANNEL_LISTING_REJECTED: channel_listing_rejected_notify,
    EventType.CHANNEL_LISTING_ERROR: channel_listing_rejected_notify,
}
