"""Inquiries: message threads about a product between a buyer (a person, optionally for a buyer
company) and the product's company, with attachments in storage and unread counts per side."""

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from brands.models import CompanyStaff, MandateScope
from brands.selectors import user_has_company_role
from core.errors import InvalidInput, NotPermitted
from core.media import document_check
from core.permissions import is_operator
from listings.models import Product
from marketplace.models import BuyerCompany, InquiryMessage, InquiryThread
from marketplace.selectors import storefront_visible
from marketplace.trade_selectors import buyer_company_ids

Side = InquiryMessage.Side


def inquiry_side(*, user, thread: InquiryThread) -> str | None:
    """Which party the user speaks for in the thread, if any (operators read as neither)."""
    if user_has_company_role(user, thread.company_id, CompanyStaff.Role.VIEWER, scope=MandateScope.QUOTES):
        return Side.SELLER
    if thread.buyer_id == user.pk or (thread.buyer_company_id and thread.buyer_company_id in buyer_company_ids(user)):
        return Side.BUYER
    return None


def _add_message(thread: InquiryThread, *, author, side: str, body: str, attachment=None) -> InquiryMessage:
    content_type = (
        document_check(attachment, attr="attachment", max_bytes=settings.INQUIRY_ATTACHMENT_MAX_BYTES)
        if attachment is not None
        else ""
    )
    message = InquiryMessage(thread=thread, author=author, side=side, body=body)
    if attachment is not None:
        name = (attachment.name or "attachment").rsplit("/", 1)[-1][-100:]
        message.attachment_name = name
        message.attachment_type = content_type
        message.attachment_size = attachment.size
        message.attachment.save(name, attachment, save=False)
    message.save()
    unread = {Side.BUYER: ["seller_unread"], Side.SELLER: ["buyer_unread"]}.get(side, ["buyer_unread", "seller_unread"])
    InquiryThread.objects.filter(pk=thread.pk).update(
        **{field: F(field) + 1 for field in unread}, last_message_at=timezone.now()
    )
    return message


@transaction.atomic
def inquiry_create(
    *,
    actor,
    product: Product,
    subject: str,
    body: str,
    buyer_company: BuyerCompany | None = None,
    attachment=None,
) -> InquiryThread:
    if not Product.objects.filter(storefront_visible(), pk=product.pk).exists():
        raise InvalidInput("Ask about a published product.", attr="product")
    if user_has_company_role(actor, product.company_id, CompanyStaff.Role.VIEWER):
        raise InvalidInput("This is your own company's product.", attr="product")
    if buyer_company is not None and buyer_company.pk not in buyer_company_ids(actor):
        raise InvalidInput("Ask for a buyer company you belong to.", attr="buyer_company")
    if attachment is not None:
        document_check(attachment, attr="attachment", max_bytes=settings.INQUIRY_ATTACHMENT_MAX_BYTES)  # refused first
    thread = InquiryThread.objects.create(
        product=product, company_id=product.company_id, buyer=actor, buyer_company=buyer_company, subject=subject
    )
    _add_message(thread, author=actor, side=Side.BUYER, body=body, attachment=attachment)
    thread.refresh_from_db()
    return thread


@transaction.atomic
def inquiry_message_add(*, actor, thread: InquiryThread, body: str, attachment=None) -> InquiryMessage:
    thread = InquiryThread.objects.select_for_update().get(pk=thread.pk)
    side = inquiry_side(user=actor, thread=thread)
    if side is None and is_operator(actor):
        side = Side.PLATFORM  # an operator steps in (a dispute, a policy question): both parties are told
    if side is None:
        raise NotPermitted("Only the thread's two parties and operators write in it.")
    if side == Side.SELLER and not user_has_company_role(
        actor, thread.company_id, CompanyStaff.Role.EDITOR, scope=MandateScope.QUOTES
    ):
        raise NotPermitted("Editors and owners answer for the company.")
    return _add_message(thread, author=actor, side=side, body=body, attachment=attachment)


def inquiry_mark_read(*, actor, thread: InquiryThread) -> InquiryThread:
    """The caller's side has read the thread: its unread count drops to zero."""
    side = inquiry_side(user=actor, thread=thread)
    if side is not None:
        field = "buyer_unread" if side == Side.BUYER else "seller_unread"
        if getattr(thread, field):
            InquiryThread.objects.filter(pk=thread.pk).update(**{field: 0})
            setattr(thread, field, 0)
    return thread
