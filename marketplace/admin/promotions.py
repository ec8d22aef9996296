"""Admin for promotions: operators manage any, SME editors their own companies' (funded by
themselves); every save goes through marketplace.services.promotions. Buyers' address books are
shown to operators, read-only (buyers keep them through the API)."""

from django import forms
from django.contrib import admin

from brands.admin import EDITOR, CompanyScopedAdmin, ReadOnlyInline
from brands.selectors import user_company_ids
from core.admin import ServiceOnlyAdmin
from core.errors import InvalidInput
from core.permissions import is_operator
from listings.models import Product
from marketplace.models import BuyerAddress, Promotion, PromotionRedemption
from marketplace.services.promotions import WRITABLE, promotion_create, promotion_update, promotion_validate


class PromotionForm(forms.ModelForm):
    class Meta:
        model = Promotion
        fields = sorted(WRITABLE)

    def clean(self):
        data = super().clean()
        try:
            promotion_validate(
                {name: data.get(name) for name in self.Meta.fields if name in data},
                actor=self.actor,
                existing=self.instance if self.instance.pk else None,
            )
        except InvalidInput as error:
            for attr, problems in error.fields.items():
                field = attr if attr in self.fields else None
                for _code, message in problems:
                    self.add_error(field, message)
        return data


class RedemptionInline(ReadOnlyInline):
    model = PromotionRedemption
    fields = ["order", "email", "goods_discount", "shipping_discount", "currency", "created_at"]
    readonly_fields = fields


@admin.register(Promotion)
class PromotionAdmin(CompanyScopedAdmin):
    form = PromotionForm
    list_display = ["name", "code", "kind", "company", "funded_by", "starts_at", "ends_at", "times_used", "is_active"]
    list_filter = ["kind", "funded_by", "is_active"]
    search_fields = ["name", "code", "company__legal_name"]
    list_select_related = ["company"]
    readonly_fields = ["times_used", "created_by", "created_at"]
    filter_horizontal = ["brands", "categories", "products"]
    inlines = [RedemptionInline]
    actions = ["deactivate"]

    def has_add_permission(self, request):
        return is_operator(request.user) or bool(user_company_ids(request.user, EDITOR))

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.related_model is Product and not is_operator(request.user):
            kwargs["queryset"] = Product.objects.filter(company__in=user_company_ids(request.user, EDITOR))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        pass  # saved with its scope in save_related, through the services

    def save_related(self, request, form, formsets, change):
        data = {name: form.cleaned_data[name] for name in WRITABLE if name in form.cleaned_data}
        if change:
            promotion = promotion_update(actor=request.user, promotion=form.instance, **data)
        else:
            promotion = promotion_create(actor=request.user, **data)
        form.instance.pk = promotion.pk
        form.instance._state.adding = False
        for formset in formsets:  # the read-only redemptions: nothing to save, but the admin's log reads them
            self.save_formset(request, form, formset, change)

    @admin.action(description="Deactivate the selected promotions", permissions=["change"])
    def deactivate(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda p: promotion_update(actor=request.user, promotion=p, is_active=False),
            "deactivated",
        )


@admin.register(BuyerAddress)
class BuyerAddressAdmin(ServiceOnlyAdmin):
    list_display = ["user", "label", "is_default", "created_at"]
    search_fields = ["user__email", "label"]
    readonly_fields = ["user", "label", "address", "is_default", "created_at"]
