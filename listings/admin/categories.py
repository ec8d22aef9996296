"""The platform's category tree, edited by operators."""

from django import forms
from django.conf import settings
from django.contrib import admin

from core.admin import OperatorOnlyAdmin
from core.locales import validate_translations
from listings import services
from listings.models import Category
from listings.validation import check_attribute_schema


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
