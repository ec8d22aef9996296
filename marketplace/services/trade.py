"""The B2B trade desk: buyer companies and RFQs (posting, seller notification, closing,
expiry). Quotes are in marketplace.services.quotes, acceptance into orders in
marketplace.services.trade_orders."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from brands.models import CompanyStaff, MandateScope
from brands.selectors import mandate_agent_id
from core.emails import email_send
from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from core.events import EventType
from core.models import Event, User
from core.money import Money
from core.permissions import is_operator, require_verified_email
from core.selectors import ExchangeRateMissing, exchange_rates_get
from core.services import event_record
from listings.models import Category, Product
from marketplace.models import (
    RFQ,
    BuyerCompany,
    BuyerStaff,
    Quote,
    TradeEvent,
)
from marketplace.selectors import storefront_visible
from marketplace.trade_selectors import buyer_company_ids, buyer_company_ids_forget, category_match

EDITOR = CompanyStaff.Role.EDITOR
QS = Quote.Status
K = TradeEvent.Kind


def trade_event_record(rfq: RFQ, kind: str, actor=None, quote: Quote | None = None, **data) -> None:
    TradeEvent.objects.create(
        rfq=rfq,
        quote=quote,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        # The trading company that quoted on behalf of the quote's company, if one did.
        agent_id=mandate_agent_id(actor, quote.company_id, MandateScope.QUOTES) if quote and actor else None,
        data=data,
    )
    if kind == K.POSTED:
        rfq_event_publish(rfq)
    elif kind in (K.QUOTED, K.QUOTE_ACCEPTED):
        quote_event_publish(quote, EventType.QUOTE_SUBMITTED if kind == K.QUOTED else EventType.QUOTE_ACCEPTED, **data)


def rfq_seller_companies(rfq: RFQ):
    """The companies with published B2B products in the RFQ's category (or below or above it)."""
    return (
        Product.objects.filter(status=Product.Status.PUBLISHED, mode__in=[Product.Mode.B2B, Product.Mode.BOTH])
        .filter(category_match({rfq.category.path}))
        .values("company_id")
    )


def rfq_event_publish(rfq: RFQ) -> None:
    """rfq.posted, for the companies that sell in its category (the ones e-mailed about it)."""
    data = {
        "rfq": {
            "id": rfq.pk,
            "title": rfq.title,
            "category": rfq.category.path,
            "quantity": rfq.quantity,
            "unit": rfq.unit,
            "currency": rfq.currency,
            "incoterm": rfq.incoterm,
            "destination_country": str(rfq.destination_country),
            "deadline": rfq.deadline,
            "buyer_company": {"country": str(rfq.buyer_company.country), "verified": rfq.buyer_company.verified},
        }
    }
    companies = sorted({row["company_id"] for row in rfq_seller_companies(rfq)})
    event_record(type=EventType.RFQ_POSTED, data=data, company_ids=companies, buyer_company_ids=[rfq.buyer_company_id])


def quote_event_publish(quote: Quote, type: str, **extra) -> None:
    """quote.submitted / quote.accepted, for the quoting company and every seller of its lines."""
    sellers = set(quote.lines.values_list("seller_id", flat=True)) | {quote.company_id}
    data = {
        "quote": {
            "id": quote.pk,
            "rfq": quote.rfq_id,
            "company": quote.company_id,
            "brand": quote.brand_id,
            "status": quote.status,
            "incoterm": quote.incoterm,
            "valid_until": quote.valid_until,
            "lead_time_days": quote.lead_time_days,
            "total": Money(quote.total, quote.currency).as_dict(),
        },
        **({"order": extra["order"]} if "order" in extra else {}),
    }
    event_record(type=type, data=data, company_ids=sellers, buyer_company_ids=[quote.rfq.buyer_company_id])


# --- buyer companies ----------------------------------------------------------------------


@transaction.atomic
def buyer_company_create(*, actor, name: str, country: str, website: str = "", profile: str = "") -> BuyerCompany:
    require_verified_email(actor, "register a buyer company")
    company = BuyerCompany.objects.create(name=name, country=country, website=website, profile=profile)
    BuyerStaff.objects.create(buyer_company=company, user=actor, role=BuyerStaff.Role.OWNER)
    buyer_company_ids_forget(actor)
    return company


@transaction.atomic
def buyer_staff_add(*, actor, buyer_company: BuyerCompany, email: str, role: str) -> BuyerStaff:
    if buyer_company.pk not in buyer_company_ids(actor, owner=True):
        raise NotPermitted("Only an owner of the buyer company adds staff.")
    if role not in BuyerStaff.Role.values:
        raise InvalidInput(f"Choose one of {', '.join(BuyerStaff.Role.values)}.", attr="role")
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        raise InvalidInput("No user has this email; they register first.", attr="email")
    staff, created = BuyerStaff.objects.get_or_create(buyer_company=buyer_company, user=user, defaults={"role": role})
    if not created:
        raise Conflict("This user is staff of the buyer company already.", attr="email")
    return staff


@transaction.atomic
def buyer_company_verify(*, actor, buyer_company: BuyerCompany) -> BuyerCompany:
    if not is_operator(actor):
        raise NotPermitted("Only an operator verifies buyer companies.")
    company = BuyerCompany.objects.select_for_update().get(pk=buyer_company.pk)
    if company.verified:
        raise WrongState("The buyer company is verified already.")
    company.verified = True
    company.verified_at = timezone.now()
    company.verified_by = actor
    company.save(update_fields=["verified", "verified_at", "verified_by"])
    return company


# --- RFQs ---------------------------------------------------------------------------------


@transaction.atomic
def rfq_create(
    *,
    actor,
    buyer_company: BuyerCompany,
    title: str,
    description: str,
    category: Category,
    quantity: int,
    currency: str,
    destination_country: str,
    deadline: datetime,
    unit: str = "pieces",
    target_unit_price: Money | None = None,
    incoterm: str = RFQ.Incoterm.DAP,
    reference_product: Product | None = None,
    locale: str = "",
) -> RFQ:
    if buyer_company.pk not in buyer_company_ids(actor):
        raise InvalidInput("Post RFQs for a buyer company you belong to.", attr="buyer_company")
    require_verified_email(actor, "post a request for quotation")
    errors = {}
    try:
        exchange_rates_get().rate("USD", currency)
    except ExchangeRateMissing:
        errors["currency"] = [("unknown_currency", f"No exchange rate for {currency}.")]
    if target_unit_price is not None and target_unit_price.currency != currency:
        errors["target_unit_price"] = [("currency_mismatch", f"Give the target price in {currency}.")]
    elif target_unit_price is not None and not 0 < target_unit_price.amount < Decimal(10) ** 9:
        errors["target_unit_price"] = [("out_of_range", "A positive price below 1,000,000,000.")]
    if deadline <= timezone.now():
        errors["deadline"] = [("in_the_past", "The deadline must be in the future.")]
    if (
        reference_product is not None
        and not Product.objects.filter(storefront_visible(), pk=reference_product.pk).exists()
    ):
        errors["reference_product"] = [("not_found", "No published product has this id.")]
    if errors:
        raise InvalidInput("The RFQ is incomplete.", fields=errors)
    rfq = RFQ.objects.create(
        buyer_company=buyer_company,
        created_by=actor,
        title=title,
        description=description,
        category=category,
        reference_product=reference_product,
        quantity=quantity,
        unit=unit,
        target_unit_price=target_unit_price.amount if target_unit_price else None,
        currency=currency,
        destination_country=destination_country,
        incoterm=incoterm,
        deadline=deadline,
        locale=locale,
    )
    trade_event_record(rfq, K.POSTED, actor)
    rfq_id = rfq.pk
    transaction.on_commit(lambda: rfq_notify_queue(rfq_id=rfq_id), robust=True)
    return rfq


def rfq_notify_queue(*, rfq_id: int) -> None:
    from marketplace.tasks import rfq_notify_sellers_task

    rfq_notify_sellers_task.delay(rfq_id)


def rfqs_notify_sweep(*, now: datetime | None = None) -> int:
    """Open RFQs whose sellers were never told (the task was lost) are queued again after
    FULFILMENT_SWEEP_MINUTES; the notification is recorded once sent, so none goes twice."""
    cutoff = (now or timezone.now()) - timedelta(minutes=settings.FULFILMENT_SWEEP_MINUTES)
    told = TradeEvent.objects.filter(rfq=OuterRef("pk"), kind=K.SELLERS_NOTIFIED)
    waiting = RFQ.objects.filter(status=RFQ.Status.OPEN, created_at__lte=cutoff).filter(~Exists(told))
    rfq_ids = list(waiting.order_by("pk").values_list("pk", flat=True))
    for rfq_id in rfq_ids:
        rfq_notify_queue(rfq_id=rfq_id)
    return len(rfq_ids)


def rfq_notify_sellers(*, rfq_id: int) -> int:
    """Emails the owners and editors of companies with published products in the RFQ's category
    (or below or above it). Returns how many addresses were written to."""
    rfq = RFQ.objects.select_related("category", "buyer_company").filter(pk=rfq_id).first()
    if rfq is None or rfq.status != RFQ.Status.OPEN or rfq.events.filter(kind=K.SELLERS_NOTIFIED).exists():
        return 0
    companies = rfq_seller_companies(rfq)
    emails = sorted(
        set(
            CompanyStaff.objects.filter(
                company_id__in=companies, role__in=[CompanyStaff.Role.OWNER, CompanyStaff.Role.EDITOR]
            ).values_list("user__email", flat=True)
        )
    )
    subject = f"New RFQ in {rfq.category.path}: {rfq.title}"[:200]
    for email in emails:  # each a row of core's message log, retried there on SMTP errors
        email_send(to=email, subject=subject, template="emails/rfq_new.txt", context={"rfq": rfq})
    trade_event_record(rfq, K.SELLERS_NOTIFIED, recipients=len(emails))
    return len(emails)


def rfq_lock(rfq: RFQ) -> RFQ:
    return RFQ.objects.select_for_update().get(pk=rfq.pk)


def quote_lock(quote: Quote) -> tuple[RFQ, Quote]:
    """Locks the RFQ, then its quotes in pk order, so concurrent accepts cannot both win."""
    rfq = rfq_lock(quote.rfq)
    quotes = {q.pk: q for q in Quote.objects.select_for_update().filter(rfq=rfq).order_by("pk")}
    return rfq, quotes[quote.pk]


@transaction.atomic
def rfq_close(*, actor, rfq: RFQ) -> RFQ:
    """The buyer withdraws an open RFQ; its active quotes are declined."""
    rfq = rfq_lock(rfq)
    if rfq.buyer_company_id not in buyer_company_ids(actor):
        raise NotPermitted("Only the buyer company's staff close its RFQ.")
    if rfq.status != RFQ.Status.OPEN:
        raise WrongState(f"The RFQ is {rfq.status}; only an open one can be closed.")
    for quote in Quote.objects.select_for_update().filter(rfq=rfq, status=QS.ACTIVE).order_by("pk"):
        quote.status = QS.DECLINED
        quote.save(update_fields=["status"])
        trade_event_record(rfq, K.QUOTE_DECLINED, actor, quote, reason="RFQ closed")
    rfq.status = RFQ.Status.CLOSED
    rfq.save(update_fields=["status"])
    trade_event_record(rfq, K.CLOSED, actor)
    return rfq


def rfqs_expire(*, now: datetime | None = None) -> int:
    """Open RFQs past their deadline and award window expire with their active quotes; active
    quotes past their validity expire too. Returns how many RFQs expired."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.RFQ_AWARD_WINDOW_DAYS)
    expired = 0
    for rfq_id in RFQ.objects.filter(status=RFQ.Status.OPEN, deadline__lte=cutoff).values_list("pk", flat=True):
        with transaction.atomic():
            rfq = RFQ.objects.select_for_update().get(pk=rfq_id)
            if rfq.status != RFQ.Status.OPEN:
                continue
            rfq.status = RFQ.Status.EXPIRED
            rfq.save(update_fields=["status"])
            trade_event_record(rfq, K.EXPIRED)
            expired += 1
            _expire_quotes(Quote.objects.filter(rfq=rfq, status=QS.ACTIVE))
    _expire_quotes(Quote.objects.filter(status=QS.ACTIVE, valid_until__lt=now.date()))
    return expired


def rfqs_closing_soon_announce(*, now: datetime | None = None) -> int:
    """Open RFQs whose deadline falls within the next RFQ_CLOSING_SOON_HOURS get one
    rfq.closing_soon event each, with the number of active quotes so far (their buyer is
    e-mailed from it: marketplace/notifications_trade.py). Returns how many were announced."""
    now = now or timezone.now()
    window_end = now + timedelta(hours=settings.RFQ_CLOSING_SOON_HOURS)
    due = RFQ.objects.filter(status=RFQ.Status.OPEN, deadline__gt=now, deadline__lte=window_end)
    announced = 0
    for rfq_id in due.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            rfq = RFQ.objects.select_for_update().get(pk=rfq_id)
            # The event itself marks the RFQ as announced; the lock keeps two sweeps from both writing one.
            told = Event.objects.filter(type=EventType.RFQ_CLOSING_SOON, data__rfq__id=rfq.pk).exists()
            if told or rfq.status != RFQ.Status.OPEN:
                continue
            data = {
                "rfq": {
                    "id": rfq.pk,
                    "title": rfq.title,
                    "deadline": rfq.deadline,
                    "active_quotes": rfq.quotes.filter(status=QS.ACTIVE).count(),
                }
            }
            companies = sorted({row["company_id"] for row in rfq_seller_companies(rfq)})
            event_record(
                type=EventType.RFQ_CLOSING_SOON,
                data=data,
                company_ids=companies,
                buyer_company_ids=[rfq.buyer_company_id],
            )
            announced += 1
    return announced


def _expire_quotes(quotes) -> None:
    for quote in quotes.select_related("rfq").order_by("pk"):
        with transaction.atomic():
            rfq, quote = quote_lock(quote)  # the RFQ first, as acceptance locks them
            if quote.status == QS.ACTIVE:
                quote.status = QS.EXPIRED
                quote.save(update_fields=["status"])
                trade_event_record(rfq, K.QUOTE_EXPIRED, quote=quote)
