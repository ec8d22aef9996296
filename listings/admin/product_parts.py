"""The product form and its inlines: each inline edits one part of the product payload the API
sends (translations, variants, price tiers, B2C prices) or its images; ProductAdmin turns them
into one listings.services call (listings.admin.products)."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html

from brands.models import CompanyStaff
from brands.selectors import user_company_ids, user_is_company_staff
from core.errors import ApplicationError, InvalidInput
from core.permissions import is_operator
from listings import media as media_services
from listings import services
from listings.models import (
    B2CPrice,
    PriceTier,
    Product,
    ProductEvent,
    ProductMedia,
    ProductTranslation,
    Variant,
)
from listings.selectors import product_can_edit

EDITOR = CompanyStaff.Role.EDITOR
# Where a service names a payload key, the product form's field that holds it.
FORM_FIELD_FOR = {"retail_price": "retail_price_amount"}


def refusal_messages(error: ApplicationError) -> list[tuple[str | None, str]]:
    """(attr, message) for every problem a service reported."""
    if isinstance(error, InvalidInput) and error.fields:
        return [(attr, message) for attr, problems in error.fields.items() for _code, message in problems]
    return [(error.attr, message) for message in ([m for _, m in error.reasons] or [error.detail])]


class ProductForm(forms.ModelForm):
    service_refusal: ApplicationError | None = None

    def clean_attributes(self):
        value = self.cleaned_data.get("attributes")
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValidationError('Enter an object of attribute code to value, e.g. {"wattage": 5}.')
        return value

    def clean_incoterms(self):
        value = self.cleaned_data.get("incoterms")
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(term, str) for term in value):
            raise ValidationError('Enter a list of Incoterms codes, e.g. ["FOB", "DAP"].')
        return value

    def clean(self):
        cleaned = super().clean()
        if self.service_refusal is not None:
            for attr, message in refusal_messages(self.service_refusal):
                field = FORM_FIELD_FOR.get(attr, attr)
                if field in self.fields:
                    self.add_error(field, message)
                else:
                    self.add_error(None, f"{attr}: {message}" if attr else message)
        return cleaned


class PartFormSet(BaseInlineFormSet):
    part = ""  # the product payload key (or media role) this formset edits


class ProductPartInline(admin.TabularInline):
    """A part of the product, editable where the product is: by the company's editors and owners
    (and operators) while its status allows changes; seen by whoever sees the product."""

    extra = 0
    part = ""
    formset = PartFormSet

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.part = self.part
        return formset

    def has_view_permission(self, request, obj=None):
        # The product admin has already decided whether the user sees this product.
        return is_operator(request.user) or user_is_company_staff(request.user)

    def _editable(self, request, obj) -> bool:
        if obj is None or obj.pk is None:
            return is_operator(request.user) or bool(user_company_ids(request.user, EDITOR))
        return obj.status in services.EDITABLE_STATUSES and product_can_edit(user=request.user, product=obj)

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj)


class ReadOnlyPartInline(ProductPartInline):
    def _editable(self, request, obj) -> bool:
        return False


def missing_locales(product: Product | None) -> list[str]:
    present = set(product.translations.values_list("locale", flat=True)) if product and product.pk else set()
    return [locale for locale in settings.CONTENT_LOCALES if locale not in present]


class TranslationForm(forms.ModelForm):
    locale = forms.ChoiceField(choices=[(locale, locale) for locale in settings.CONTENT_LOCALES])

    class Meta:
        model = ProductTranslation
        fields = ["locale", "title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3, "cols": 60})}


class TranslationInline(ProductPartInline):
    """One row per content locale: the missing locales are offered as blank rows."""

    model = ProductTranslation
    form = TranslationForm
    part = "translations"
    max_num = len(settings.CONTENT_LOCALES)

    def get_extra(self, request, obj=None, **kwargs):
        return len(missing_locales(obj)) if self._editable(request, obj) else 0


class VariantForm(forms.ModelForm):
    class Meta:
        model = Variant
        fields = [
            "sku",
            "gtin",
            "options",
            "weight_kg",
            "length_cm",
            "width_cm",
            "height_cm",
            "hs_code",
            "origin_country",
            "availability",
            "preorder_cap",
            "lead_time_days",
            "expected_on",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A row that says nothing of selling beyond stock sells from stock only.
        self.fields["availability"].required = self.fields["preorder_cap"].required = False

    def clean_availability(self):
        return self.cleaned_data.get("availability") or Variant.Availability.IN_STOCK

    def clean_preorder_cap(self):
        value = self.cleaned_data.get("preorder_cap")
        return 0 if value is None else value

    def clean_options(self):
        value = self.cleaned_data.get("options")
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(isinstance(v, str) and len(v) <= 100 for v in value.values()):
            raise ValidationError('Enter an object of option to text, e.g. {"colour": "indigo"}.')
        return value


class VariantInline(ProductPartInline):
    model = Variant
    form = VariantForm
    part = "variants"


class PriceTierInline(ProductPartInline):
    model = PriceTier
    fields = ["min_quantity", "unit_price_amount"]
    part = "price_tiers"
    verbose_name = "B2B price tier (base currency)"


class B2CPriceInline(ProductPartInline):
    model = B2CPrice
    fields = ["currency", "amount"]
    part = "b2c_prices"
    verbose_name = "B2C price in another currency"


@admin.display(description="preview")
def _preview(media: ProductMedia):
    picture = media.thumbnail or media.image
    if not picture:
        return "-"
    alt = next(iter(media.alt_text.values()), "") if media.alt_text else ""
    return format_html('<img src="{}" alt="{}" style="max-width:120px;max-height:120px">', picture.url, alt)


class MediaInline(ProductPartInline):
    """The product's images: change the order by position, tick to delete."""

    model = ProductMedia
    part = "media"
    fields = ["preview", "position", "alt_text", "dimensions", "content_type", "size_bytes"]
    readonly_fields = ["preview", "alt_text", "dimensions", "content_type", "size_bytes"]
    preview = staticmethod(_preview)

    def has_add_permission(self, request, obj=None):
        return False  # new images come through MediaUploadInline, checked by listings.media

    @admin.display(description="size (px)")
    def dimensions(self, media):
        return f"{media.width}x{media.height}"


class MediaUploadForm(forms.ModelForm):
    class Meta:
        model = ProductMedia
        fields = ["image", "alt_text"]
        help_texts = {"alt_text": 'Per locale, e.g. {"en": "Lamp, front view"}.'}

    def clean_alt_text(self):
        value = self.cleaned_data.get("alt_text") or {}
        try:
            return media_services.media_check_alt_text(value)
        except InvalidInput as error:
            raise ValidationError(error.detail) from None


class MediaUploadInline(ProductPartInline):
    """New images: JPEG, PNG or WebP, checked and stored through listings.media."""

    model = ProductMedia
    form = MediaUploadForm
    part = "media_uploads"
    extra = 1
    can_delete = False
    verbose_name = "new image"
    verbose_name_plural = "add images"

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if self._editable(request, obj) else 0


class EventInline(ReadOnlyPartInline):
    model = ProductEvent
    fields = ["created_at", "kind", "from_status", "to_status", "actor", "reason"]
    readonly_fields = fields
    can_delete = False


def formset_rows(formset):
    """The rows kept on the form, in display order: deleted rows and untouched blank rows left out."""
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if data and not data.get("DELETE"):
            yield form, data


def payload_part(formset) -> tuple[str, object]:
    part = formset.part
    if part == "translations":
        return part, {
            data["locale"]: {"title": data["title"], "description": data.get("description", "")}
            for _form, data in formset_rows(formset)
        }
    if part == "variants":
        return part, [
            {
                "sku": data["sku"],
                **{name: data.get(name) for name in services.VARIANT_FIELDS + services.AVAILABILITY_FIELDS},
            }
            for _form, data in formset_rows(formset)
        ]
    if part == "price_tiers":
        tiers = [
            {"min_quantity": data["min_quantity"], "unit_price": data["unit_price_amount"]}
            for _form, data in formset_rows(formset)
        ]
        return part, sorted(tiers, key=lambda tier: tier["min_quantity"])
    if part == "b2c_prices":
        return part, {data["currency"]: data["amount"] for _form, data in formset_rows(formset)}
    raise ValueError(f"not a payload part: {part}")


PAYLOAD_PARTS = {"translations", "variants", "price_tiers", "b2c_prices"}
