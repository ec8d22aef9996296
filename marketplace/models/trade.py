"""The B2B trade desk: buyer companies, purchase offers (RFQs), quotes with frozen landed costs,
brand quotes and inquiry threads."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django_countries.fields import CountryField

from brands.models import Brand, Company
from core.money import Money, validate_currency_code
from listings.models import Category, Product, Variant

from .orders import Order

# A quote's total also carries CIF insurance (rounded as ADDS_UP is, for SQLite).
QUOTE_ADDS_UP = Round(F("subtotal") + F("shipping") + F("insurance") + F("duties") + F("taxes"), 4)


class BuyerCompany(models.Model):
    """A company that buys (an importer, a distributor, a retailer abroad). Distinct from
    brands.Company, which are the sellers; `verified` is set only by an operator."""

    name = models.CharField(max_length=200)
    country = CountryField()
    website = models.URLField(blank=True)
    profile = models.TextField(blank=True, help_text="What the company buys and sells, its markets.")
    verified = models.BooleanField(default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "buyer companies"

    def __str__(self):
        return self.name


class BuyerStaff(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        BUYER = "buyer", "Buyer"

    buyer_company = models.ForeignKey(BuyerCompany, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="buyer_roles")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.BUYER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["buyer_company", "user"], name="buyer_staff_unique_user"),
            models.CheckConstraint(condition=Q(role__in=["owner", "buyer"]), name="buyer_staff_role_known"),
        ]

    def __str__(self):
        return f"{self.user} at {self.buyer_company} ({self.role})"


class RFQ(models.Model):
    """A purchase offer: what a buyer company wants, how many, at what target price, where."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        AWARDED = "awarded", "Awarded"
        CLOSED = "closed", "Closed"
        EXPIRED = "expired", "Expired"

    class Incoterm(models.TextChoices):
        EXW = "EXW", "Ex works"
        FOB = "FOB", "Free on board"
        CIF = "CIF", "Cost, insurance and freight"
        DAP = "DAP", "Delivered at place"
        DDP = "DDP", "Delivered duty paid"

    buyer_company = models.ForeignKey(BuyerCompany, on_delete=models.PROTECT, related_name="rfqs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    title = models.CharField(max_length=200)
    description = models.TextField()
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="rfqs")
    reference_product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="rfqs"
    )
    quantity = models.PositiveIntegerField()
    unit = models.CharField(max_length=20, default="pieces")
    target_unit_price = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    destination_country = CountryField()
    incoterm = models.CharField(max_length=3, choices=Incoterm.choices, default=Incoterm.DAP)
    deadline = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # The language it was posted in: the buyer's e-mails about it (quotes received, closing soon) use it.
    locale = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = "RFQ"
        indexes = [models.Index(fields=["status", "deadline"])]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="rfq_quantity_positive"),
            models.CheckConstraint(
                condition=Q(target_unit_price__isnull=True) | Q(target_unit_price__gt=0), name="rfq_target_positive"
            ),
        ]

    def __str__(self):
        return f"RFQ {self.pk}: {self.title}"


class Quote(models.Model):
    """An SME's answer to an RFQ (or a brand's, drawing on several member SMEs), its landed cost
    frozen: accepting it charges exactly these amounts."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUPERSEDED = "superseded", "Superseded"
        WITHDRAWN = "withdrawn", "Withdrawn"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Expired"

    class Incoterm(models.TextChoices):
        # Each prices only what the term puts on the seller (Incoterms 2020).
        EXW = "EXW", "EXW: the goods at the seller's warehouse, nothing else"
        FOB = "FOB", "FOB: the goods loaded at the port of export; freight is the buyer's"
        CIF = "CIF", "CIF: freight and insurance to the destination; duties on arrival"
        DAP = "DAP", "DAP: delivered; the buyer pays duties and taxes on arrival"
        DDP = "DDP", "DDP: delivered, duties and taxes included"

    rfq = models.ForeignKey(RFQ, on_delete=models.PROTECT, related_name="quotes")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="quotes")
    # Set on a brand quote: `company` is then the brand's lead company.
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, null=True, blank=True, related_name="quotes")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    incoterm = models.CharField(max_length=3, choices=Incoterm.choices, default=Incoterm.DAP)
    valid_until = models.DateField()
    lead_time_days = models.PositiveIntegerField()
    note = models.TextField(blank=True)
    subtotal = models.DecimalField(max_digits=14, decimal_places=4)
    shipping = models.DecimalField(max_digits=14, decimal_places=4)
    insurance = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal(0), help_text="CIF only.")
    duties = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal(0))
    taxes = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal(0))
    total = models.DecimalField(max_digits=14, decimal_places=4)
    freight = models.JSONField(default=dict, blank=True, help_text="The shipping estimate the quote used.")
    duty_estimate = models.JSONField(default=dict, blank=True, help_text="Duties and taxes at the destination.")
    rule_versions = models.JSONField(default=dict, blank=True)
    order = models.OneToOneField(Order, on_delete=models.PROTECT, null=True, blank=True, related_name="quote")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            # One active quote per company per RFQ, and one active brand quote per brand.
            models.UniqueConstraint(
                fields=["rfq", "company"],
                condition=Q(status="active", brand__isnull=True),
                name="quote_one_active_per_company",
            ),
            models.UniqueConstraint(
                fields=["rfq", "brand"],
                condition=Q(status="active", brand__isnull=False),
                name="quote_one_active_per_brand",
            ),
            models.CheckConstraint(condition=Q(total=QUOTE_ADDS_UP), name="quote_total_adds_up_insured"),
            models.CheckConstraint(
                condition=Q(subtotal__gt=0) & Q(shipping__gte=0) & Q(duties__gte=0) & Q(taxes__gte=0),
                name="quote_amounts_non_negative",
            ),
            models.CheckConstraint(condition=Q(insurance=0) | Q(incoterm="CIF"), name="quote_insurance_only_cif"),
        ]

    def __str__(self):
        return f"quote {self.pk} on RFQ {self.rfq_id} ({self.status})"

    def money(self, field: str) -> Money:
        return Money(getattr(self, field), self.currency)


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    seller = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="quote_lines")
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    list_unit_price = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True, help_text="The tier price for the quantity."
    )
    price_override_reason = models.CharField(max_length=300, blank=True)
    # The buyer's negotiated price list the list price came from, if any.
    price_list = models.ForeignKey(
        "marketplace.PriceList", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    total = models.DecimalField(max_digits=14, decimal_places=4)

    class Meta:
        ordering = ["quote", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="quote_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="quote_line_price_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.variant}"


class TradeEvent(models.Model):
    """The RFQ's timeline: posted, quoted, superseded, withdrawn, accepted, expired, ..."""

    class Kind(models.TextChoices):
        POSTED = "posted", "Posted"
        SELLERS_NOTIFIED = "sellers_notified", "Sellers notified"
        QUOTED = "quoted", "Quoted"
        QUOTE_SUPERSEDED = "quote_superseded", "Quote superseded"
        QUOTE_WITHDRAWN = "quote_withdrawn", "Quote withdrawn"
        QUOTE_DECLINED = "quote_declined", "Quote declined"
        QUOTE_EXPIRED = "quote_expired", "Quote expired"
        QUOTE_ACCEPTED = "quote_accepted", "Quote accepted"
        AWARDED = "awarded", "Awarded"
        CLOSED = "closed", "Closed"
        EXPIRED = "expired", "Expired"

    rfq = models.ForeignKey(RFQ, on_delete=models.CASCADE, related_name="events")
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    agent = models.ForeignKey(Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"RFQ {self.rfq_id}: {self.kind}"


class InquiryThread(models.Model):
    """Messages between a buyer (a person, optionally for a buyer company) and a product's company."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="inquiries")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="inquiries")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="inquiries")
    buyer_company = models.ForeignKey(
        BuyerCompany, on_delete=models.PROTECT, null=True, blank=True, related_name="inquiries"
    )
    subject = models.CharField(max_length=200)
    buyer_unread = models.PositiveIntegerField(default=0)
    seller_unread = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-last_message_at", "-pk"]

    def __str__(self):
        return self.subject


def inquiry_upload_to(instance, filename):
    return f"inquiries/{instance.thread_id}/{filename}"


class InquiryMessage(models.Model):
    class Side(models.TextChoices):
        BUYER = "buyer", "Buyer"
        SELLER = "seller", "Seller"
        PLATFORM = "platform", "Platform (an operator)"

    thread = models.ForeignKey(InquiryThread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=8, choices=Side.choices)
    body = models.TextField()
    attachment = models.FileField(upload_to=inquiry_upload_to, blank=True, max_length=300)
    attachment_name = models.CharField(max_length=200, blank=True)
    attachment_type = models.CharField(max_length=50, blank=True)
    attachment_size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.side} message in {self.thread_id}"
