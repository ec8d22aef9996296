"""The B2B trade desk: buyer companies, RFQs, quotes (an SME's or a brand's) with their landed
cost frozen, acceptance into an order with payment terms, and expiry."""

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from brands.models import Brand, CompanyStaff, Membership
from brands.selectors import user_has_company_role
from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from core.models import User
from core.money import Money
from core.permissions import is_operator
from core.selectors import ExchangeRateMissing, RateTable, exchange_rates_get
from listings.models import Category, Product, Variant
from listings.selectors import product_text
from logistics.services import GoodsLine, Line, TradeRulesMissing, duties_estimate, shipping_options, stock_reserve
from marketplace.models import (
    RFQ,
    BuyerCompany,
    BuyerStaff,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    Quote,
    QuoteLine,
    TradeEvent,
)
from marketplace.payments import payment_gateway
from marketplace.selectors import quantity_price_get, storefront_visible
from marketplace.services.checkout import _address as shipping_address_check
from marketplace.services.checkout import _order_number, _plain
from marketplace.trade_selectors import buyer_company_ids, buyer_company_ids_forget, category_match

EDITOR = CompanyStaff.Role.EDITOR
QS = Quote.Status
CARD = "card"
MANUAL_PAYMENT_TERMS = ("bank_transfer", "letter_of_credit")
PAYMENT_TERMS = (CARD, *MANUAL_PAYMENT_TERMS)
# Freight for B2B quantities is estimated in cartons of at most this weight, each priced on the
# carrier rate tables (whose heaviest band is a parcel's), 40 x 30 x 30 cm.
CARTON_MAX_KG = Decimal(20)
CARTON_CM = ("40", "30", "30")


def _event(rfq: RFQ, kind: str, actor=None, quote: Quote | None = None, **data) -> None:
    TradeEvent.objects.create(
        rfq=rfq,
        quote=quote,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        data=data,
    )


# --- buyer companies ----------------------------------------------------------------------


@transaction.atomic
def buyer_company_create(*, actor, name: str, country: str, website: str = "", profile: str = "") -> BuyerCompany:
    company = BuyerCompany.objects.create(name=name, country=country, website=website, profile=profile)
    BuyerStaff.objects.create(buyer_company=company, user=actor, role=BuyerStaff.Role.OWNER)
    buyer_company_ids_forget(actor)
    return company


@transaction.atomic
def buyer_staff_add(*, actor, buyer_company: BuyerCompany, email: str, role: str) -> BuyerStaff:
    if buyer_company.pk not in buyer_company_ids(actor, owner=True):
        raise NotPermitted("Only an owner of the buyer company adds staff.")
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
) -> RFQ:
    if buyer_company.pk not in buyer_company_ids(actor):
        raise InvalidInput("Post RFQs for a buyer company you belong to.", attr="buyer_company")
    errors = {}
    try:
        exchange_rates_get().rate("USD", currency)
    except ExchangeRateMissing:
        errors["currency"] = [("unknown_currency", f"No exchange rate for {currency}.")]
    if target_unit_price is not None and target_unit_price.currency != currency:
        errors["target_unit_price"] = [("currency_mismatch", f"Give the target price in {currency}.")]
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
    )
    _event(rfq, "posted", actor)
    rfq_id = rfq.pk
    transaction.on_commit(lambda: _queue_notify(rfq_id))
    return rfq


def _queue_notify(rfq_id: int) -> None:
    from marketplace.tasks import rfq_notify_sellers_task

    rfq_notify_sellers_task.delay(rfq_id)


def rfq_notify_sellers(*, rfq_id: int) -> int:
    """Emails the owners and editors of companies with published products in the RFQ's category
    (or below or above it). Returns how many addresses were written to."""
    from django.core.mail import send_mass_mail

    rfq = RFQ.objects.select_related("category", "buyer_company").filter(pk=rfq_id).first()
    if rfq is None or rfq.status != RFQ.Status.OPEN or rfq.events.filter(kind="sellers_notified").exists():
        return 0
    companies = (
        Product.objects.filter(status=Product.Status.PUBLISHED, mode__in=[Product.Mode.B2B, Product.Mode.BOTH])
        .filter(category_match({rfq.category.path}))
        .values("company_id")
    )
    emails = sorted(
        set(
            CompanyStaff.objects.filter(
                company_id__in=companies, role__in=[CompanyStaff.Role.OWNER, CompanyStaff.Role.EDITOR]
            ).values_list("user__email", flat=True)
        )
    )
    verified = "verified" if rfq.buyer_company.verified else "not yet verified"
    text = (
        f"{rfq.buyer_company.name} ({rfq.buyer_company.country}, {verified}) wants {rfq.quantity} {rfq.unit} "
        f"of: {rfq.title}\n\n{rfq.description}\n\nDestination {rfq.destination_country}, incoterm {rfq.incoterm}, "
        f"quotes until {rfq.deadline:%Y-%m-%d %H:%M} UTC. Answer with POST /api/v1/rfqs/{rfq.pk}/quotes/."
    )
    subject = f"New RFQ in {rfq.category.path}: {rfq.title}"[:200]
    send_mass_mail([(subject, text, settings.DEFAULT_FROM_EMAIL, [email]) for email in emails])
    _event(rfq, "sellers_notified", recipients=len(emails))
    return len(emails)


def _lock_rfq(rfq: RFQ) -> RFQ:
    return RFQ.objects.select_for_update().get(pk=rfq.pk)


@transaction.atomic
def rfq_close(*, actor, rfq: RFQ) -> RFQ:
    """The buyer withdraws an open RFQ; its active quotes are declined."""
    rfq = _lock_rfq(rfq)
    if rfq.buyer_company_id not in buyer_company_ids(actor):
        raise NotPermitted("Only the buyer company's staff close its RFQ.")
    if rfq.status != RFQ.Status.OPEN:
        raise WrongState(f"The RFQ is {rfq.status}; only an open one can be closed.")
    for quote in Quote.objects.select_for_update().filter(rfq=rfq, status=QS.ACTIVE).order_by("pk"):
        quote.status = QS.DECLINED
        quote.save(update_fields=["status"])
        _event(rfq, "quote_declined", actor, quote, reason="RFQ closed")
    rfq.status = RFQ.Status.CLOSED
    rfq.save(update_fields=["status"])
    _event(rfq, "closed", actor)
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
            _event(rfq, "expired")
            expired += 1
            _expire_quotes(Quote.objects.filter(rfq=rfq, status=QS.ACTIVE))
    _expire_quotes(Quote.objects.filter(status=QS.ACTIVE, valid_until__lt=now.date()))
    return expired


def _expire_quotes(quotes) -> None:
    for quote_id in quotes.values_list("pk", flat=True):
        with transaction.atomic():
            quote = Quote.objects.select_for_update().select_related("rfq").get(pk=quote_id)
            if quote.status == QS.ACTIVE:
                quote.status = QS.EXPIRED
                quote.save(update_fields=["status"])
                _event(quote.rfq, "quote_expired", quote=quote)


# --- quotes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteLineSpec:
    product: Product
    quantity: int
    variant: Variant | None = None
    unit_price: Money | None = None
    price_override_reason: str = ""


@dataclass(frozen=True)
class _Priced:
    product: Product
    variant: Variant
    quantity: int
    unit: Money
    list_unit: Money | None
    reason: str


def _price_line(spec: QuoteLineSpec, currency: str, rates: RateTable, prefix: str, errors: dict) -> _Priced | None:
    """Checks one line against the product's B2B terms and prices it from its tiers, unless the
    price is explicitly overridden with a reason. Problems go into `errors` under `prefix`."""
    product = spec.product
    found = len(errors)
    if not product.sells_b2b:
        errors[f"{prefix}product"] = [("not_b2b", "This product is not sold B2B.")]
        return None
    moq = product.moq or 1
    if spec.quantity < moq:
        errors[f"{prefix}quantity"] = [("below_moq", f"The minimum order quantity is {moq}.")]
    elif spec.quantity % product.order_multiple:
        errors[f"{prefix}quantity"] = [("not_a_multiple", f"Quote in multiples of {product.order_multiple}.")]
    variants = list(product.variants.all())
    variant = spec.variant
    if variant is None:
        variant = variants[0] if len(variants) == 1 else None
        if variant is None:
            errors[f"{prefix}variant"] = [("required", "The product has several variants: name one.")]
    elif variant.product_id != product.pk:
        errors[f"{prefix}variant"] = [("not_of_product", "The variant is not one of the product's.")]
    if variant is not None and variant.weight_kg is None:
        errors[f"{prefix}variant"] = [("no_weight", "The variant has no weight, so freight cannot be quoted.")]
    if len(errors) > found:
        return None
    list_unit = None
    if product.price_tiers.exists():
        list_unit = quantity_price_get(
            product=product, quantity=spec.quantity, currency=currency, rates=rates
        ).unit_price
    unit = spec.unit_price
    if unit is None:
        if list_unit is None:
            errors[f"{prefix}unit_price"] = [("required", "The product has no price tiers: give a unit price.")]
            return None
        unit = list_unit
    elif unit.currency != currency:
        errors[f"{prefix}unit_price"] = [("currency_mismatch", f"Quote in the RFQ's currency, {currency}.")]
        return None
    elif unit.amount <= 0:
        errors[f"{prefix}unit_price"] = [("not_positive", "The unit price must be positive.")]
        return None
    elif list_unit is not None and unit.amount != list_unit.amount and not spec.price_override_reason.strip():
        errors[f"{prefix}price_override_reason"] = [
            ("required", f"The tier price for this quantity is {list_unit}; say why the quote differs.")
        ]
        return None
    return _Priced(product, variant, spec.quantity, unit.quantized(), list_unit, spec.price_override_reason.strip())


@dataclass(frozen=True)
class _Landed:
    subtotal: Money
    shipping: Money
    duties: Money
    taxes: Money
    freight: dict
    duty_estimate: dict
    rule_versions: dict

    @property
    def total(self) -> Money:
        amount = self.subtotal.amount + self.shipping.amount + self.duties.amount + self.taxes.amount
        return Money(amount, self.subtotal.currency)


def _landed_cost(rfq: RFQ, lines: list[_Priced], incoterm: str, rates: RateTable) -> _Landed:
    """Freight from the carrier rates (the best warehouse for the destination, its first
    service, per carton) and duties and taxes from the destination's rules: charged under DDP,
    recorded as the buyer's estimate under DAP."""
    currency, country = rfq.currency, str(rfq.destination_country)
    subtotal = Money(sum((line.unit.amount * line.quantity for line in lines), Decimal(0)), currency).quantized()
    weight = sum((line.variant.weight_kg * line.quantity for line in lines), Decimal(0))
    cartons = max(1, math.ceil(weight / CARTON_MAX_KG))
    carton_kg = (weight / cartons).quantize(Decimal("0.001"), rounding=ROUND_UP)
    parcel = dict(zip(("length_cm", "width_cm", "height_cm"), CARTON_CM, strict=True), weight_kg=str(carton_kg))
    options = shipping_options(destination_country=country, parcels=[parcel])
    if not options:
        raise Conflict(f"No carrier rate reaches {country}; an operator must add one before quoting.")
    option = options[0]
    per_carton = rates.convert(option.price, currency)
    shipping = Money(per_carton.amount * cartons, currency).quantized()
    freight = {
        "warehouse": option.warehouse.code,
        "carrier": option.carrier,
        "service": option.service,
        "cartons": cartons,
        "carton_weight_kg": str(carton_kg),
        "price_per_carton": per_carton.as_dict(),
        "price": shipping.as_dict(),
        "transit_days": [option.transit_days_min, option.transit_days_max],
    }
    zero = Money(Decimal(0), currency)
    try:
        estimate = duties_estimate(
            destination_country=country,
            lines=[
                GoodsLine(
                    line.variant.hs_code or line.product.hs_code,
                    str(line.variant.origin_country or line.product.origin_country),
                    line.quantity,
                    line.unit,
                )
                for line in lines
            ],
            currency=currency,
        )
    except TradeRulesMissing as error:
        if incoterm == Quote.Incoterm.DDP:
            raise InvalidInput(f"{error.detail} Quote DAP instead.", attr="incoterm") from None
        return _Landed(subtotal, shipping, zero, zero, freight, {"available": False}, {})
    versions = _plain(estimate.rule_versions)
    summary = {
        "available": True,
        "charged": incoterm == Quote.Incoterm.DDP,
        "duties": estimate.duty.as_dict(),
        "taxes": estimate.tax.as_dict(),
        "tax_name": estimate.tax_name,
    }
    if incoterm == Quote.Incoterm.DDP:
        return _Landed(subtotal, shipping, estimate.duty, estimate.tax, freight, summary, versions)
    return _Landed(subtotal, shipping, zero, zero, freight, summary, versions)


def _check_quote_terms(rfq: RFQ, valid_until: date, lead_time_days: int) -> None:
    errors = {}
    if valid_until < timezone.localdate():
        errors["valid_until"] = [("in_the_past", "The quote must be valid today or later.")]
    if not 0 <= lead_time_days <= 365:
        errors["lead_time_days"] = [("out_of_range", "0 to 365 days.")]
    if errors:
        raise InvalidInput("The quote terms are invalid.", fields=errors)


def _open_for_quotes(rfq: RFQ) -> RFQ:
    rfq = _lock_rfq(rfq)
    if rfq.status != RFQ.Status.OPEN:
        raise WrongState(f"The RFQ is {rfq.status}; it takes no more quotes.")
    if rfq.deadline <= timezone.now():
        raise WrongState("The RFQ's deadline has passed; it takes no more quotes.")
    return rfq


def _save_quote(rfq, *, actor, company, brand, priced, landed, incoterm, valid_until, lead_time_days, note) -> Quote:
    """Supersedes the company's (or brand's) active quote and writes the new one."""
    previous = Quote.objects.select_for_update().filter(rfq=rfq, status=QS.ACTIVE)
    previous = previous.filter(brand=brand) if brand else previous.filter(company=company, brand__isnull=True)
    for old in previous.order_by("pk"):
        old.status = QS.SUPERSEDED
        old.save(update_fields=["status"])
        _event(rfq, "quote_superseded", actor, old)
    try:
        with transaction.atomic():
            quote = Quote.objects.create(
                rfq=rfq,
                company=company,
                brand=brand,
                created_by=actor,
                currency=rfq.currency,
                incoterm=incoterm,
                valid_until=valid_until,
                lead_time_days=lead_time_days,
                note=note,
                subtotal=landed.subtotal.amount,
                shipping=landed.shipping.amount,
                duties=landed.duties.amount,
                taxes=landed.taxes.amount,
                total=landed.total.amount,
                freight=landed.freight,
                duty_estimate=landed.duty_estimate,
                rule_versions=landed.rule_versions,
            )
    except IntegrityError:
        raise Conflict("Another quote was submitted at the same moment; try again.") from None
    QuoteLine.objects.bulk_create(
        QuoteLine(
            quote=quote,
            product=line.product,
            variant=line.variant,
            seller_id=line.product.company_id,
            quantity=line.quantity,
            unit_price=line.unit.amount,
            list_unit_price=line.list_unit.amount if line.list_unit else None,
            price_override_reason=line.reason,
            total=Money(line.unit.amount * line.quantity, rfq.currency).quantized().amount,
        )
        for line in priced
    )
    _event(rfq, "quoted", actor, quote, company=company.pk, brand=brand.pk if brand else None)
    return quote


@transaction.atomic
def quote_create(
    *,
    actor,
    rfq: RFQ,
    line: QuoteLineSpec,
    incoterm: str,
    valid_until: date,
    lead_time_days: int,
    note: str = "",
) -> Quote:
    """An SME quotes one of its own published B2B products."""
    product = line.product
    if not user_has_company_role(actor, product.company_id, CompanyStaff.Role.VIEWER):
        raise InvalidInput("Quote one of your own companies' products.", attr="product")
    if not user_has_company_role(actor, product.company_id, EDITOR):
        raise NotPermitted("Editors and owners of the company quote.")
    if product.status != Product.Status.PUBLISHED:
        raise InvalidInput("Quote a published product.", attr="product")
    _check_quote_terms(rfq, valid_until, lead_time_days)
    rfq = _open_for_quotes(rfq)
    rates = exchange_rates_get()
    errors: dict = {}
    priced = _price_line(line, rfq.currency, rates, "", errors)
    if errors:
        raise InvalidInput("The quote does not meet the product's terms.", fields=errors)
    landed = _landed_cost(rfq, [priced], incoterm, rates)
    return _save_quote(
        rfq,
        actor=actor,
        company=product.company,
        brand=None,
        priced=[priced],
        landed=landed,
        incoterm=incoterm,
        valid_until=valid_until,
        lead_time_days=lead_time_days,
        note=note,
    )


@transaction.atomic
def brand_quote_create(
    *,
    actor,
    rfq: RFQ,
    brand: Brand,
    lines: list[QuoteLineSpec],
    incoterm: str,
    valid_until: date,
    lead_time_days: int,
    note: str = "",
) -> Quote:
    """The brand's lead company answers with one quote drawing on several member SMEs'
    products; each line keeps its SME, so the order's lines, shipments and settlement do too."""
    if not user_has_company_role(actor, brand.lead_company_id, EDITOR):
        raise NotPermitted("Only editors and owners of the brand's lead company quote for the brand.")
    if brand.status != Brand.Status.ACTIVE:
        raise WrongState(f"The brand is {brand.status}; only an active brand quotes.")
    if not lines:
        raise InvalidInput("Quote at least one line.", attr="lines")
    _check_quote_terms(rfq, valid_until, lead_time_days)
    rfq = _open_for_quotes(rfq)
    members = set(
        Membership.objects.filter(brand=brand, status=Membership.Status.ACTIVE).values_list("company_id", flat=True)
    )
    rates = exchange_rates_get()
    errors: dict = {}
    priced = []
    seen = set()
    for i, spec in enumerate(lines):
        prefix = f"lines.{i}."
        product = spec.product
        if product.brand_id != brand.pk or product.status != Product.Status.PUBLISHED:
            errors[f"{prefix}product"] = [("not_in_brand", "A published product under this brand is required.")]
            continue
        if product.company_id not in members:
            errors[f"{prefix}product"] = [("not_a_member", "The product's company is not an active member.")]
            continue
        if product.pk in seen:
            errors[f"{prefix}product"] = [("duplicate", "Each product once; set its quantity instead.")]
            continue
        seen.add(product.pk)
        line = _price_line(spec, rfq.currency, rates, prefix, errors)
        if line is not None:
            priced.append(line)
    if errors:
        raise InvalidInput("Some lines do not meet their product's terms.", fields=errors)
    landed = _landed_cost(rfq, priced, incoterm, rates)
    return _save_quote(
        rfq,
        actor=actor,
        company=brand.lead_company,
        brand=brand,
        priced=priced,
        landed=landed,
        incoterm=incoterm,
        valid_until=valid_until,
        lead_time_days=lead_time_days,
        note=note,
    )


def _lock_quote(quote: Quote) -> tuple[RFQ, Quote]:
    """Locks the RFQ, then its quotes in pk order, so concurrent accepts cannot both win."""
    rfq = _lock_rfq(quote.rfq)
    quotes = {q.pk: q for q in Quote.objects.select_for_update().filter(rfq=rfq).order_by("pk")}
    return rfq, quotes[quote.pk]


@transaction.atomic
def quote_withdraw(*, actor, quote: Quote) -> Quote:
    rfq, quote = _lock_quote(quote)
    if not user_has_company_role(actor, quote.company_id, EDITOR):
        raise NotPermitted("Editors and owners of the quoting company withdraw its quote.")
    if quote.status != QS.ACTIVE:
        raise WrongState(f"The quote is {quote.status}; only an active one can be withdrawn.")
    quote.status = QS.WITHDRAWN
    quote.save(update_fields=["status"])
    _event(rfq, "quote_withdrawn", actor, quote)
    return quote


@transaction.atomic
def quote_decline(*, actor, quote: Quote, reason: str = "") -> Quote:
    rfq, quote = _lock_quote(quote)
    if rfq.buyer_company_id not in buyer_company_ids(actor):
        raise NotPermitted("Only the RFQ's buyer declines a quote.")
    if quote.status != QS.ACTIVE:
        raise WrongState(f"The quote is {quote.status}; only an active one can be declined.")
    quote.status = QS.DECLINED
    quote.save(update_fields=["status"])
    _event(rfq, "quote_declined", actor, quote, reason=reason)
    return quote


@transaction.atomic
def quote_accept(*, actor, quote: Quote, payment_terms: str, shipping_address: dict) -> tuple[Order, Payment]:
    """The RFQ's buyer accepts: one order at the quote's frozen amounts, lines per SME, stock
    reserved (a shortage is a 409 and nothing is written), a payment by card through the
    gateway or a manual one (bank transfer, letter of credit) an operator confirms. The RFQ is
    awarded and the other active quotes declined."""
    rfq, quote = _lock_quote(quote)
    if rfq.buyer_company_id not in buyer_company_ids(actor):
        raise NotPermitted("Only the RFQ's buyer accepts a quote.")
    if payment_terms not in PAYMENT_TERMS:
        raise InvalidInput(f"Payment terms are one of {', '.join(PAYMENT_TERMS)}.", attr="payment_terms")
    if quote.status != QS.ACTIVE:
        raise WrongState(f"The quote is {quote.status}; only an active one can be accepted.")
    if quote.valid_until < timezone.localdate():
        raise WrongState(f"The quote expired on {quote.valid_until}.")
    if rfq.status != RFQ.Status.OPEN:
        raise WrongState(f"The RFQ is {rfq.status}.")
    address = shipping_address_check(shipping_address)
    if address["country"] != str(rfq.destination_country):
        raise InvalidInput(
            f"The quote was priced for delivery to {rfq.destination_country}.", attr="shipping_address.country"
        )
    order = Order.objects.create(
        number=_order_number(),
        source=Order.Source.B2B_QUOTE,
        buyer=actor,
        email=actor.email,
        currency=quote.currency,
        subtotal=quote.subtotal,
        shipping=quote.shipping,
        duties=quote.duties,
        taxes=quote.taxes,
        total=quote.total,
        incoterm=quote.incoterm,
        shipping_address=address,
        shipping_option=quote.freight,
        rule_versions=quote.rule_versions,
    )
    lines = list(quote.lines.select_related("product", "variant").prefetch_related("product__translations"))
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            variant=line.variant,
            seller_id=line.seller_id,
            sku=line.variant.sku,
            title=product_text(line.product, "en")["title"][:200],
            quantity=line.quantity,
            unit_price=line.unit_price,
            total=line.total,
        )
        for line in lines
    )
    card = payment_terms == CARD
    stock_reserve(
        reference=order.reservation_reference,
        lines=[Line(line.variant_id, line.quantity) for line in lines],
        destination_country=address["country"],
        # A card payment is awaited as at checkout; manual terms hold the stock until confirmed.
        expires_at=timezone.now() + timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES) if card else None,
        actor=actor,
    )
    total = order.money("total")
    if card:
        gateway = payment_gateway()
        intent = gateway.create_intent(
            amount=total,
            idempotency_key=f"quote:{quote.pk}:intent",
            metadata={"order": order.number, "quote": str(quote.pk)},
        )
        payment = Payment.objects.create(
            order=order,
            gateway=gateway.name,
            intent_id=intent.id,
            client_secret=intent.client_secret,
            status=intent.status,
            amount=total.amount,
            currency=total.currency,
        )
    else:
        payment = Payment.objects.create(
            order=order,
            gateway=payment_terms,
            intent_id=f"{payment_terms}:{order.number}",
            client_secret="",
            amount=total.amount,
            currency=total.currency,
        )
    OrderEvent.objects.create(
        order=order,
        kind="placed",
        actor=actor,
        data={"total": total.as_dict(), "quote": quote.pk, "rfq": rfq.pk, "payment_terms": payment_terms},
    )
    quote.status = QS.ACCEPTED
    quote.order = order
    quote.save(update_fields=["status", "order"])
    _event(rfq, "quote_accepted", actor, quote, order=order.number, payment_terms=payment_terms)
    for other in Quote.objects.filter(rfq=rfq, status=QS.ACTIVE).exclude(pk=quote.pk).order_by("pk"):
        other.status = QS.DECLINED
        other.save(update_fields=["status"])
        _event(rfq, "quote_declined", actor, other, reason="another quote was accepted")
    rfq.status = RFQ.Status.AWARDED
    rfq.save(update_fields=["status"])
    _event(rfq, "awarded", actor, quote)
    return order, payment


@transaction.atomic
def order_payment_confirm(*, actor, order: Order, reference: str = "") -> Order:
    """An operator confirms a bank transfer or letter of credit arrived: the order is paid, its
    stock held for good and its fulfilment requested."""
    if not is_operator(actor):
        raise NotPermitted("Only an operator confirms a manual payment.")
    order = Order.objects.select_for_update().get(pk=order.pk)
    payment = (
        Payment.objects.select_for_update().filter(order=order, gateway__in=MANUAL_PAYMENT_TERMS).order_by("pk").first()
    )
    if payment is None:
        raise WrongState("The order is not paid by bank transfer or letter of credit.")
    if order.status != Order.Status.PENDING or payment.status == Payment.Status.SUCCEEDED:
        raise WrongState(f"The order is {order.status}; only a pending one is confirmed as paid.")
    payment.status = Payment.Status.SUCCEEDED
    payment.captured_amount = payment.amount
    payment.save(update_fields=["status", "captured_amount", "updated_at"])
    order.status = Order.Status.PAID
    order.paid_at = timezone.now()
    order.save(update_fields=["status", "paid_at"])
    OrderEvent.objects.create(
        order=order, kind="paid", actor=actor, data={"payment": payment.intent_id, "reference": reference}
    )
    order_id = order.pk
    transaction.on_commit(lambda: _queue_fulfilment(order_id))
    return order


def _queue_fulfilment(order_id: int) -> None:
    from marketplace.tasks import order_request_fulfilment_task

    order_request_fulfilment_task.delay(order_id)
