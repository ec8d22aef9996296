from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django_countries.fields import CountryField

from brands.models import Brand, Company, QualityStandard, QualityStandardItem
from core.media import public_storage
from core.money import Money, validate_currency_code

hs_code_validator = RegexValidator(r"^[0-9]{6,10}$", "An HS code is 6 to 10 digits.", code="invalid_hs_code")


class Category(models.Model):
    """A node of the category tree, as an adjacency list with a materialised path
    ("home/lighting/lamps") so a category's descendants are one indexed prefix query."""

    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    slug = models.SlugField(max_length=60)
    path = models.CharField(max_length=255, unique=True, editable=False)
    name_translations = models.JSONField(default=dict)
    # [{"code": "wattage", "type": "integer", "required": true, "choices": [...], "unit": "W"}]
    attribute_schema = models.JSONField(default=list, blank=True)
    default_hs_chapter = models.CharField(
        max_length=2, blank=True, validators=[RegexValidator(r"^[0-9]{2}$", "An HS chapter is 2 digits.")]
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["path"]
        verbose_name_plural = "categories"
        constraints = [models.UniqueConstraint(fields=["parent", "slug"], name="category_slug_unique_per_parent")]

    def __str__(self):
        return self.path

    @property
    def depth(self) -> int:
        return self.path.count("/")


class Product(models.Model):
    class Mode(models.TextChoices):
        B2C = "b2c", "B2C"
        B2B = "b2b", "B2B"
        BOTH = "both", "B2B and B2C"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        PUBLISHED = "published", "Published"
        SUSPENDED = "suspended", "Suspended"
        ARCHIVED = "archived", "Archived"

    class SamplePolicy(models.TextChoices):
        FREE = "free", "Free samples"
        PAID = "paid", "Paid samples"
        NONE = "none", "No samples"

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="products")
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, null=True, blank=True, related_name="products")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    slug = models.SlugField(max_length=120, unique=True)
    mode = models.CharField(max_length=4, choices=Mode.choices, default=Mode.B2C)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    base_currency = models.CharField(max_length=3, default="KRW", validators=[validate_currency_code])
    # Customs data, used by logistics to declare goods; a variant may override HS code and origin.
    hs_code = models.CharField(max_length=10, blank=True, validators=[hs_code_validator])
    origin_country = CountryField(blank=True)
    material = models.CharField(max_length=300, blank=True, help_text="Material or composition, for customs.")
    attributes = models.JSONField(default=dict, blank=True)
    # B2C: the retail price in the base currency; explicit per-currency prices in B2CPrice.
    retail_price_amount = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    # B2B terms.
    moq = models.PositiveIntegerField(null=True, blank=True, help_text="Minimum order quantity.")
    order_multiple = models.PositiveIntegerField(default=1)
    lead_time_days = models.PositiveIntegerField(null=True, blank=True)
    sample_policy = models.CharField(max_length=4, choices=SamplePolicy.choices, default=SamplePolicy.NONE)
    incoterms = models.JSONField(default=list, blank=True)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["company", "status"]),
            models.Index(fields=["brand", "status"]),
            models.Index(fields=["status", "published_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(retail_price_amount__isnull=True) | Q(retail_price_amount__gt=Decimal(0)),
                name="product_retail_price_positive",
            ),
            models.CheckConstraint(condition=Q(order_multiple__gte=1), name="product_order_multiple_positive"),
            models.CheckConstraint(condition=Q(moq__isnull=True) | Q(moq__gte=1), name="product_moq_positive"),
        ]

    def __str__(self):
        return self.slug

    @property
    def retail_price(self) -> Money | None:
        return None if self.retail_price_amount is None else Money(self.retail_price_amount, self.base_currency)

    @property
    def sells_b2c(self) -> bool:
        return self.mode in (self.Mode.B2C, self.Mode.BOTH)

    @property
    def sells_b2b(self) -> bool:
        return self.mode in (self.Mode.B2B, self.Mode.BOTH)


class ProductTranslation(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="translations")
    locale = models.CharField(max_length=10)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["product", "locale"]
        constraints = [models.UniqueConstraint(fields=["product", "locale"], name="product_translation_unique")]

    def __str__(self):
        return f"{self.product_id}/{self.locale}: {self.title}"


class B2CPrice(models.Model):
    """An explicit retail price in another currency, instead of converting the base price."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="b2c_prices")
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    amount = models.DecimalField(max_digits=14, decimal_places=4, validators=[MinValueValidator(Decimal("0.0001"))])

    class Meta:
        ordering = ["product", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["product", "currency"], name="b2c_price_unique_currency"),
            models.CheckConstraint(condition=Q(amount__gt=Decimal(0)), name="b2c_price_positive"),
        ]

    def __str__(self):
        return f"{self.amount} {self.currency}"


class PriceTier(models.Model):
    """B2B unit price from a minimum quantity on, in the product's base currency."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="price_tiers")
    min_quantity = models.PositiveIntegerField()
    unit_price_amount = models.DecimalField(max_digits=14, decimal_places=4)

    class Meta:
        ordering = ["product", "min_quantity"]
        constraints = [
            models.UniqueConstraint(fields=["product", "min_quantity"], name="price_tier_unique_quantity"),
            models.CheckConstraint(condition=Q(unit_price_amount__gt=Decimal(0)), name="price_tier_positive"),
            models.CheckConstraint(condition=Q(min_quantity__gte=1), name="price_tier_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.min_quantity}+ at {self.unit_price_amount}"


class Variant(models.Model):
    class Availability(models.TextChoices):
        IN_STOCK = "in_stock", "Sold from stock only"
        PREORDER = "preorder", "Preorder beyond stock"
        MADE_TO_ORDER = "made_to_order", "Made to order"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(
        max_length=64,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$", "Letters, digits, '.', '_', '/' and '-'.")],
    )
    gtin = models.CharField(max_length=14, blank=True)
    options = models.JSONField(default=dict, blank=True, help_text='e.g. {"colour": "indigo", "size": "M"}')
    weight_kg = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    length_cm = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    width_cm = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    height_cm = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    hs_code = models.CharField(max_length=10, blank=True, validators=[hs_code_validator])
    origin_country = CountryField(blank=True)
    position = models.PositiveIntegerField(default=0)
    # Selling beyond stock (docs/decisions/0029): at most `preorder_cap` units may wait for goods
    # at once; they ship when an inbound shipment of the SKU is stocked.
    availability = models.CharField(max_length=13, choices=Availability.choices, default=Availability.IN_STOCK)
    preorder_cap = models.IntegerField(default=0, help_text="Units that may be sold beyond stock at once.")
    lead_time_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Days to make (made to order) or restock (preorder) the goods."
    )
    expected_on = models.DateField(null=True, blank=True, help_text="Preorders: when goods are expected.")

    class Meta:
        ordering = ["product", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_kg__isnull=True) | Q(weight_kg__gt=0), name="variant_weight_positive"
            ),
            models.CheckConstraint(condition=Q(preorder_cap__gte=0), name="variant_preorder_cap_non_negative"),
        ]

    def __str__(self):
        return self.sku

    @property
    def sells_beyond_stock(self) -> bool:
        return self.availability != self.Availability.IN_STOCK


def media_upload_to(instance, filename):
    return f"products/{instance.product_id}/{filename}"


class ProductMedia(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="media")
    # Public storage: stable, unsigned URLs that storefronts and outside channels keep (core/media.py).
    image = models.ImageField(upload_to=media_upload_to, storage=public_storage)
    thumbnail = models.ImageField(upload_to=media_upload_to, storage=public_storage, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=50)
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    alt_text = models.JSONField(default=dict, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["product", "position", "pk"]
        verbose_name_plural = "product media"

    def __str__(self):
        return self.image.name


class ProductEvent(models.Model):
    """The product's timeline: who moved it from which state to which, when and why."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        SUBMITTED = "submitted", "Submitted for review"
        APPROVED = "approved", "Approved"
        PUBLISHED = "published", "Published"
        UNPUBLISHED = "unpublished", "Unpublished"
        SUSPENDED = "suspended", "Suspended"
        ARCHIVED = "archived", "Archived"
        RETURNED_TO_REVIEW = "returned_to_review", "Returned to review"
        INSPECTION_PASSED = "inspection_passed", "Inspection passed"
        INSPECTION_FAILED = "inspection_failed", "Inspection failed"
        REVISION_SUBMITTED = "revision_submitted", "Edits held for review"
        REVISION_APPROVED = "revision_approved", "Edits approved and live"
        REVISION_REJECTED = "revision_rejected", "Edits rejected"
        PRICE_CHANGED = "price_changed", "Prices changed"
        UPDATED = "updated", "Changed by an agent"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    # The trading company the actor acted through, on behalf of the product's company (a mandate).
    agent = models.ForeignKey(Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.product_id}: {self.kind}"


class ProductRevision(models.Model):
    """Material edits to a published product (texts, variants, HS code, origin, category, brand,
    material, attributes) waiting for review while the live version stays on sale. `changes` holds
    the edit payload's material part as JSON (category and brand by id, decimals as strings)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="revisions")
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.PENDING)
    changes = models.JSONField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["product"], condition=Q(status="pending"), name="product_revision_one_pending"
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True) | ~Q(status="pending"),
                name="product_revision_pending_undecided",
            ),
        ]

    def __str__(self):
        return f"{self.product_id} revision {self.pk} ({self.status})"


class Inspection(models.Model):
    """A QC check of one product (optionally a lot) against one version of its brand's standard."""

    class Outcome(models.TextChoices):
        PASSED = "passed", "Passed"
        FAILED = "failed", "Failed"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="inspections")
    standard = models.ForeignKey(QualityStandard, on_delete=models.PROTECT, related_name="inspections")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    outcome = models.CharField(max_length=6, choices=Outcome.choices)
    notes = models.TextField(blank=True)
    lot_number = models.CharField(max_length=60, blank=True)
    sample_size = models.PositiveIntegerField(null=True, blank=True)
    units_inspected = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(units_inspected__isnull=True)
                | Q(sample_size__isnull=True)
                | Q(units_inspected__lte=models.F("sample_size")),
                name="inspection_units_within_sample",
            )
        ]

    def __str__(self):
        return f"{self.product} against {self.standard}: {self.outcome}"


class InspectionResult(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(QualityStandardItem, on_delete=models.PROTECT)
    passed = models.BooleanField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["inspection", "item__position"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="inspection_result_unique_item")]

    def __str__(self):
        return f"{self.item.code}: {'passed' if self.passed else 'failed'}"


class InspectionDefect(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="defects")
    code = models.SlugField(max_length=50)
    quantity = models.PositiveIntegerField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["inspection", "pk"]

    def __str__(self):
        return f"{self.code} x{self.quantity}"


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="inspections/%Y/%m/")
    caption = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["inspection", "pk"]

    def __str__(self):
        return self.image.name
