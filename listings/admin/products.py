"""Products in the Django admin.

SME staff see their companies' products (and, for a brand's lead company, the brand's products,
which the lead approves), operators see all. The product form and its inlines are one edit: on
save they become one listings.services.product_create/product_update call with the payload shape
the API sends, then image deletions, reordering and uploads through listings.media. A refusal
from a service rolls the whole save back and shows the form again with the service's errors.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.db.models import Prefetch, Q
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from brands.admin import CompanyScopedAdmin
from brands.models import Brand, CompanyStaff, MandateScope, Membership
from brands.selectors import user_company_ids
from core.errors import ApplicationError, InvalidInput
from core.permissions import is_operator
from listings import media as media_services
from listings import services
from listings.admin.product_parts import (
    EDITOR,
    PAYLOAD_PARTS,
    B2CPriceInline,
    EventInline,
    MediaInline,
    MediaUploadInline,
    PriceTierInline,
    ProductForm,
    TranslationInline,
    VariantInline,
    formset_rows,
    missing_locales,
    payload_part,
    refusal_messages,
)
from listings.models import Product, ProductTranslation
from listings.selectors import product_text


class _Refused(Exception):
    """Unwinds the admin's save transaction when a service refuses, carrying the refusal."""

    def __init__(self, error: ApplicationError):
        super().__init__(error.detail)
        self.error = error


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
        # Agents' staff see and change the products of SMEs that mandated them for listings.
        mandated = Q(company__in=user_company_ids(request.user, minimum, scope=MandateScope.LISTINGS))
        if minimum == CompanyStaff.Role.VIEWER:
            return mandated | Q(brand__lead_company__in=user_company_ids(request.user, minimum))
        return mandated

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
            kwargs["initial"] = [{"locale": locale} for locale in missing_locales(obj)]
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
                key, value = payload_part(formset)
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
                for _form, upload in formset_rows(formset):
                    if upload.get("image"):
                        media_services.product_media_add(
                            actor=request.user, product=product, upload=upload["image"], alt_text=upload["alt_text"]
                        )
        return Product.objects.get(pk=product.pk)

    def _save_media(self, request, product: Product, formset) -> None:
        for form in formset.deleted_forms:
            media_services.product_media_delete(actor=request.user, product=product, media_id=form.instance.pk)
        kept = [(data["position"], form.instance.position, form.instance.pk) for form, data in formset_rows(formset)]
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
                reasons += [("missing", f"{attr}: {message}") for attr, message in refusal_messages(error)]
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
