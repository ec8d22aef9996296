import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q

from brands.models import Brand
from core.money import validate_currency_code
from listings.models import Category, Product, Variant


class SearchDocument(models.Model):
    """The storefront's search text of a published product: titles, descriptions, brand and
    company names in every locale. On PostgreSQL a stored tsvector (GIN index) ranks full-text
    matches and a trigram index on the text serves CJK words and typos; on SQLite the text is
    matched plainly. Kept current from listings' product_changed signal.

    brand, category and mode are the facet cell the product is counted in (FacetCount), as it
    was counted: the next refresh moves the count from that cell to the product's current one.
    With the publishing time, they let a search count and order its matches without reading
    the products (docs/decisions/0037)."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, primary_key=True, related_name="search_document")
    search_text = models.TextField()
    search_vector = SearchVectorField(null=True, blank=True)
    brand = models.ForeignKey(Brand, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    mode = models.CharField(max_length=4, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"search document of product {self.product_id}"


class FacetCount(models.Model):
    """How many storefront products share a brand, a category and a mode: the facet counts and
    the total of the unfiltered storefront (and of brand, category and mode filters) without
    counting the catalogue on each request. Kept by search_document_refresh in the product's
    transaction; `cell` is the unique key ("brand:category:mode"; NULL brands are not unique
    in SQL), written with one upsert."""

    cell = models.CharField(max_length=60, unique=True)
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(max_length=4)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(count__gte=0), name="facet_count_non_negative")]

    def __str__(self):
        return f"{self.cell}: {self.count}"


def _checkout_secret() -> str:
    return secrets.token_urlsafe(24)


class Checkout(models.Model):
    """A buyer's basket on its way to an order. Anonymous buyers prove ownership with the
    secret; signed-in buyers with their token."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETED = "completed", "Completed"

    class Incoterm(models.TextChoices):
        DAP = "DAP", "DAP: the buyer pays duties and taxes on delivery"
        DDP = "DDP", "DDP: duties and taxes paid at checkout"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    secret = models.CharField(max_length=64, default=_checkout_secret, editable=False)
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    email = models.EmailField()
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    shipping_address = models.JSONField(default=dict)
    billing_address = models.JSONField(default=dict, blank=True, help_text="{} is the shipping address.")
    discount_code = models.CharField(max_length=40, blank=True)
    shipping_option = models.JSONField(null=True, blank=True, help_text="The option chosen, as quoted.")
    incoterm = models.CharField(max_length=3, choices=Incoterm.choices, default=Incoterm.DAP)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"checkout {self.pk} ({self.status})"


class CheckoutLine(models.Model):
    checkout = models.ForeignKey(Checkout, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["checkout", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["checkout", "variant"], name="checkout_line_unique_variant"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="checkout_line_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.variant}"
