"""Products, categories and inspections in the Django admin.

SME staff see their companies' products (and, for a brand's lead company, the brand's products,
which the lead approves), operators see all. The product form and its inlines are one edit: on
save they become one listings.services.product_create/product_update call with the payload shape
the API sends, then image deletions, reordering and uploads through listings.media. A refusal
from a service rolls the whole save back and shows the form again with the service's errors.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from brands.admin import CompanyScopedAdmin
from brands.models import Brand, CompanyStaff, Membership
from brands.selectors import user_company_ids, user_is_company_staff
from core.admin import OperatorOnlyAdmin
from core.errors import ApplicationError, InvalidInput
from core.locales import validate_translations
from core.permissions import is_operator
from listings import media as media_services
from listings import services
from listings.models import (
    B2CPrice,
    Category,
    Inspection,
    InspectionDefect,
    InspectionPhoto,
    InspectionResult,
    PriceTier,
    Product,
    ProductEvent,
    ProductMedia,
    ProductTranslation,
    Variant,
)
from listings.selectors import product_can_edit, product_text
from listings.validation import check_attribute_schema

EDITOR = CompanyStaff.Role.EDITOR
# Where a service names a payload key, the product form's field that holds it.
FORM_FIELD_FOR = {"retail_price": "retail_price_amount"}


def _refusal_messages(error: ApplicationError) -> list[tuple[str | None, str]]:
    """(attr, message) for every problem a service reported."""
    if isinstance(error, InvalidInput) and error.fields:
        return [(attr, message) for attr, problems in error.fields.items() for _code, message in problems]
    return [(error.attr, message) for message in ([m for _, m in error.reasons] or [error.detail])]


class _Refused(Exception):
    """Unwinds the admin's save transaction when a service refuses, carrying the refusal."""

    def __init__(self, error: ApplicationError):
        super().__init__(error.detail)
        self.error = error


# --- product form and inlines -------------------------------------------------------------


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
            for attr, message in _refusal_messages(self.service_refusal):
                field = FORM_FIELD_FOR.get(attr, attr)
                if field in self.fields:
                    self.add_error(field, message)
                else:
                    self.add_error(None, f"{attr}: {message}" if attr else message)
        return cleaned


class _PartFormSet(BaseInlineFormSet):
    part = ""  # the product payload key (or media role) this formset edits


class _ProductPartInline(admin.TabularInline):
    """A part of the product, editable where the product is: by the company's editors and owners
    (and operators) while its status allows changes; seen by whoever sees the product."""

    extra = 0
    part = ""
    formset = _PartFormSet

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


class _ReadOnlyPartInline(_ProductPartInline):
    def _editable(self, request, obj) -> bool:
        return False


def _missing_locales(product: Product | None) -> list[str]:
    present = set(product.translations.values_list("locale", flat=True)) if product and product.pk else set()
    return [locale for locale in settings.CONTENT_LOCALES if locale not in present]


class TranslationForm(forms.ModelForm):
    locale = forms.ChoiceField(choices=[(locale, locale) for locale in settings.CONTENT_LOCALES])

    class Meta:
        model = ProductTranslation
        fields = ["locale", "title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3, "cols": 60})}


class TranslationInline(_ProductPartInline):
    """One row per content locale: the missing locales are offered as blank rows."""

    model = ProductTranslation
    form = TranslationForm
    part = "translations"
    max_num = len(settings.CONTENT_LOCALES)

    def get_extra(self, request, obj=None, **kwargs):
        return len(_missing_locales(obj)) if self._editable(request, obj) else 0


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
        ]

    def clean_options(self):
        value = self.cleaned_data.get("options")
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(isinstance(v, str) and len(v) <= 100 for v in value.values()):
            raise ValidationError('Enter an object of option to text, e.g. {"colour": "indigo"}.')
        return value


class VariantInline(_ProductPartInline):
    model = Variant
    form = VariantForm
    part = "variants"


class PriceTierInline(_ProductPartInline):
    model = PriceTier
    fields = ["min_quantity", "unit_price_amount"]
    part = "price_tiers"
    verbose_name = "B2B price tier (base currency)"


class B2CPriceInline(_ProductPartInline):
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


class MediaInline(_ProductPartInline):
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


class MediaUploadInline(_ProductPartInline):
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


class EventInline(_ReadOnlyPartInline):
    model = ProductEvent
    fields = ["created_at", "kind", "from_status", "to_status", "actor", "reason"]
    readonly_fields = fields
    can_delete = False


# --- product admin ------------------------------------------------------------------------


def _rows(formset):
    """The rows kept on the form, in display order: deleted rows and untouched blank rows left out."""
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if data and not data.get("DELETE"):
            yield form, data


def _payload_part(formset) -> tuple[str, object]:
    part = formset.part
    if part == "translations":
        return part, {
            data["locale"]: {"title": data["title"], "description": data.get("description", "")}
            for _form, data in _rows(formset)
        }
    if part == "variants":
        return part, [
            {"sku": data["sku"], **{name: data.get(name) for name in services.VARIANT_FIELDS}}
            for _form, data in _rows(formset)
        ]
    if part == "price_tiers":
        tiers = [
            {"min_quantity": data["min_quantity"], "unit_price": data["unit_price_amount"]}
            for _form, data in _rows(formset)
        ]
        return part, sorted(tiers, key=lambda tier: tier["min_quantity"])
    if part == "b2c_prices":
        return part, {data["currency"]: data["amount"] for _form, data in _rows(formset)}
    raise ValueError(f"not a payload part: {part}")


PAYLOAD_PARTS = {"translations", "variants", "price_tiers", "b2c_prices"}


@admin.register(Product)
class ProductAdmin(CompanyScopedAdmin):
    form = ProductForm
    list_display = ["slug", "title", "company", "brand", "category", "mode", "status", "updated_at"]
    list_filter = [
        ("brand", RelatedOnlyFieldListFilter),
        ("company", RelatedOnlyFieldListFilter),
        "status",
        "mode",
        ("category", RelatedOnlyFieldListFilter),
    ]
    search_fields = ["slug", "variants__sku", "translations__title"]
    list_select_related = ["company", "brand", "category"]
    fieldsets = [
        (None, {"fields": ["company", "slug", "status", "missing"]}),
        ("Catalogue", {"fields": ["brand", "category", "mode", "attributes"]}),
        ("Customs", {"fields": ["hs_code", "origin_country", "material"]}),
        ("B2C", {"fields": ["base_currency", "retail_price_amount"]}),
        ("B2B", {"fields": ["moq", "order_multiple", "lead_time_days", "sample_policy", "incoterms"]}),
        ("Record", {"fields": ["content_hash", "created_at", "updated_at", "published_at"]}),
    ]
    inlines = [
        TranslationInline,
        VariantInline,
        PriceTierInline,
        B2CPriceInline,
        MediaInline,
        MediaUploadInline,
        EventInline,
    ]
    actions = ["submit", "approve", "publish", "unpublish", "archive", "suspend"]

    # --- scope and permissions

    def scope(self, request, minimum=CompanyStaff.Role.VIEWER):
        # As the API: a brand's lead company sees the brand's products (it approves them) but
        # changes only its own.
        ids = user_company_ids(request.user, minimum)
        if minimum == CompanyStaff.Role.VIEWER:
            return Q(company__in=ids) | Q(brand__lead_company__in=ids)
        return Q(company__in=ids)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("translations", queryset=ProductTranslation.objects.order_by("locale")))
        )

    def has_add_permission(self, request):
        return is_operator(request.user) or bool(user_company_ids(request.user, EDITOR))

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status not in services.EDITABLE_STATUSES:
            return False
        return super().has_change_permission(request, obj)

    def has_operator_permission(self, request):
        return is_operator(request.user)

    def get_readonly_fields(self, request, obj=None):
        fields = ["slug", "status", "missing", "content_hash", "created_at", "updated_at", "published_at"]
        return [*fields, "company"] if obj is not None else fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "brand" in form.base_fields and not is_operator(request.user):
            # Brands the user's companies are active members of, and the product's current one.
            mine = Q(
                memberships__company__in=user_company_ids(request.user, EDITOR),
                memberships__status=Membership.Status.ACTIVE,
            )
            current = Q(pk=obj.brand_id) if obj is not None and obj.brand_id else Q(pk__in=[])
            form.base_fields["brand"].queryset = Brand.objects.filter(mine | current).distinct()
        refusal = getattr(request, "_product_refusal", None)
        if refusal is not None:
            form = type(form.__name__, (form,), {"service_refusal": refusal})
        return form

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, TranslationInline):
            kwargs["initial"] = [{"locale": locale} for locale in _missing_locales(obj)]
        return kwargs

    # --- display

    @admin.display(description="title")
    def title(self, product):
        return product_text(product, settings.CONTENT_DEFAULT_LOCALE)["title"]

    @admin.display(description="missing for submission")
    def missing(self, product):
        if product.pk is None:
            return "-"
        problems = [
            (attr, message) for attr, items in services.product_missing_items(product).items() for _, message in items
        ]
        if not problems:
            return "Nothing: the product is complete."
        return format_html_join(mark_safe("<br>"), "{}: {}", problems)

    # --- saving through the services

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused as refused:
            # The save was rolled back; show the same form again with the service's reasons.
            request._product_refusal = refused.error
            for _name, files in request.FILES.lists():
                for upload in files:
                    upload.seek(0)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        pass  # the product and its parts are saved together in save_related, through the services

    def save_related(self, request, form, formsets, change):
        try:
            product = self._save_through_services(request, form, formsets, change)
        except ApplicationError as error:
            raise _Refused(error) from error
        for field in Product._meta.concrete_fields:
            setattr(form.instance, field.attname, getattr(product, field.attname))
        form.instance._state.adding = False
        form.instance._state.db = product._state.db

    def _save_through_services(self, request, form, formsets, change) -> Product:
        names = services.SCALAR_FIELDS if not change else form.changed_data
        data = {
            name: form.cleaned_data[name] for name in names if name in services.SCALAR_FIELDS and name in form.fields
        }
        for formset in formsets:
            if formset.part in PAYLOAD_PARTS and (not change or formset.has_changed()):
                key, value = _payload_part(formset)
                data[key] = value
        if not change:
            product = services.product_create(actor=request.user, company=form.cleaned_data["company"], **data)
        elif data:
            product = services.product_update(actor=request.user, product=form.instance, **data)
        else:
            product = Product.objects.get(pk=form.instance.pk)

        for formset in formsets:
            if formset.part == "media" and formset.has_changed():
                self._save_media(request, product, formset)
        for formset in formsets:
            if formset.part == "media_uploads":
                for _form, upload in _rows(formset):
                    if upload.get("image"):
                        media_services.product_media_add(
                            actor=request.user, product=product, upload=upload["image"], alt_text=upload["alt_text"]
                        )
        return Product.objects.get(pk=product.pk)

    def _save_media(self, request, product: Product, formset) -> None:
        for form in formset.deleted_forms:
            media_services.product_media_delete(actor=request.user, product=product, media_id=form.instance.pk)
        kept = [(data["position"], form.instance.position, form.instance.pk) for form, data in _rows(formset)]
        order = [pk for *_positions, pk in sorted(kept)]
        if order != [pk for *_positions, pk in sorted(kept, key=lambda row: row[1:])]:
            media_services.product_media_reorder(actor=request.user, product=product, order=order)

    def construct_change_message(self, request, form, formsets, add=False):
        if add:
            return [{"added": {}}]
        changed = [*form.changed_data, *(formset.part for formset in formsets if formset.has_changed())]
        return [{"changed": {"fields": changed}}] if changed else []

    # --- lifecycle actions

    def _lifecycle(self, request, queryset, service, done: str, **kwargs) -> None:
        def call(product):
            try:
                service(actor=request.user, product=product, **kwargs)
            except InvalidInput as error:
                if not error.fields:
                    raise
                # Name every missing item, not just "incomplete".
                reasons = [(error.code, error.detail)]
                reasons += [("missing", f"{attr}: {message}") for attr, message in _refusal_messages(error)]
                raise InvalidInput(error.detail, reasons=reasons) from error

        self.run_service(request, queryset, call, done)

    @admin.action(description="Submit the selected products for review", permissions=["change"])
    def submit(self, request, queryset):
        self._lifecycle(request, queryset, services.product_submit, "submitted for review")

    @admin.action(description="Approve the selected products (operators, brand leads)", permissions=["change"])
    def approve(self, request, queryset):
        self._lifecycle(request, queryset, services.product_approve, "approved")

    @admin.action(description="Publish the selected products", permissions=["change"])
    def publish(self, request, queryset):
        self._lifecycle(request, queryset, services.product_publish, "published")

    @admin.action(description="Unpublish the selected products", permissions=["change"])
    def unpublish(self, request, queryset):
        self._lifecycle(
            request, queryset, services.product_unpublish, "unpublished", reason="Unpublished in the admin."
        )

    @admin.action(description="Archive the selected products", permissions=["change"])
    def archive(self, request, queryset):
        self._lifecycle(request, queryset, services.product_archive, "archived")

    @admin.action(description="Suspend the selected products (operators)", permissions=["operator"])
    def suspend(self, request, queryset):
        self._lifecycle(
            request, queryset, services.product_suspend, "suspended", reason="Suspended by an operator in the admin."
        )


# --- categories ---------------------------------------------------------------------------


class CategoryForm(forms.ModelForm):
    def clean_name_translations(self):
        value = self.cleaned_data.get("name_translations")
        validate_translations(value)
        return value

    def clean(self):
        cleaned = super().clean()
        if "attribute_schema" in cleaned:
            cleaned["attribute_schema"] = schema = cleaned["attribute_schema"] or []
            if problem := check_attribute_schema(schema):
                self.add_error("attribute_schema", problem)
        if self.instance.pk is None and cleaned.get("slug"):
            parent = cleaned.get("parent")
            path = f"{parent.path}/{cleaned['slug']}" if parent else cleaned["slug"]
            if len(path) > Category._meta.get_field("path").max_length:
                self.add_error("slug", "The category path would be too long.")
            elif Category.objects.filter(path=path).exists():
                self.add_error("slug", f"The category {path} exists already.")
        return cleaned


@admin.register(Category)
class CategoryAdmin(OperatorOnlyAdmin):
    """The platform's category tree: operators only. Parent and slug make the path, so they are
    set when a category is created and fixed after."""

    form = CategoryForm
    list_display = ["path", "name", "default_hs_chapter", "position"]
    search_fields = ["path", "name_translations"]
    fields = ["parent", "slug", "path", "name_translations", "attribute_schema", "default_hs_chapter", "position"]

    def get_readonly_fields(self, request, obj=None):
        return ["path", "parent", "slug"] if obj is not None else ["path"]

    @admin.display(description="name")
    def name(self, category):
        names = category.name_translations
        return names.get(settings.CONTENT_DEFAULT_LOCALE) or names.get("en") or category.slug

    def save_model(self, request, obj, form, change):
        editable = ["name_translations", "attribute_schema", "default_hs_chapter", "position"]
        if change:
            obj.save(update_fields=editable)
            return
        created = services.category_create(
            parent=form.cleaned_data.get("parent"),
            slug=form.cleaned_data["slug"],
            **{name: form.cleaned_data[name] for name in editable},
        )
        obj.pk, obj.path = created.pk, created.path
        obj._state.adding = False


# --- inspections --------------------------------------------------------------------------


class _InspectionPartInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return is_operator(request.user) or user_is_company_staff(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InspectionResultInline(_InspectionPartInline):
    model = InspectionResult
    fields = ["item", "passed", "note"]
    readonly_fields = fields


class InspectionDefectInline(_InspectionPartInline):
    model = InspectionDefect
    fields = ["code", "quantity", "note"]
    readonly_fields = fields


class InspectionPhotoInline(_InspectionPartInline):
    model = InspectionPhoto
    fields = ["photo", "caption"]
    readonly_fields = fields

    @admin.display(description="photo")
    def photo(self, photo):
        return format_html('<img src="{}" alt="" style="max-width:160px;max-height:160px">', photo.image.url)


@admin.register(Inspection)
class InspectionAdmin(CompanyScopedAdmin):
    """Inspections are recorded through the API (inspection_record) and never change."""

    company_path = "product__company"
    list_display = ["id", "product", "brand", "standard_version", "outcome", "inspector", "lot_number", "created_at"]
    list_filter = ["outcome", ("standard__brand", RelatedOnlyFieldListFilter)]
    search_fields = ["product__slug", "product__variants__sku", "lot_number"]
    list_select_related = ["product", "standard__brand", "inspector"]
    fields = [
        "product",
        "standard",
        "outcome",
        "inspector",
        "notes",
        "lot_number",
        "sample_size",
        "units_inspected",
        "created_at",
    ]
    readonly_fields = fields
    inlines = [InspectionResultInline, InspectionDefectInline, InspectionPhotoInline]

    def scope(self, request, minimum=CompanyStaff.Role.VIEWER):
        # The product's company, and the brand's lead company that records the inspections.
        ids = user_company_ids(request.user, minimum)
        return Q(product__company__in=ids) | Q(product__brand__lead_company__in=ids)

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="brand")
    def brand(self, inspection):
        return inspection.standard.brand

    @admin.display(description="standard")
    def standard_version(self, inspection):
        return f"v{inspection.standard.version}"
