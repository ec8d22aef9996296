from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import TO_FIELD_VAR
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme

from core import webhooks
from core.errors import ApplicationError
from core.models import (
    Event,
    ExchangeRate,
    Job,
    Message,
    NotificationPreference,
    SecurityEvent,
    User,
    WebhookDelivery,
    WebhookEndpoint,
)
from core.money import Money
from core.permissions import is_operator


def refusal_text(error: ApplicationError) -> str:
    """Everything a service's refusal says, for a message in the admin."""
    problems = [message for _, message in error.reasons]
    problems += [message for items in getattr(error, "fields", {}).values() for _, message in items]
    return "; ".join(problems) or error.detail


class DeskAdmin(admin.ModelAdmin):
    """What every ModelAdmin of the platform shares: actions that call a service per selected
    row and report refusals, actions that ask for input first (`form_action`), and the actions
    that suit one object shown as buttons on its page (`object_actions`)."""

    change_form_template = "admin/desk/change_form.html"

    def has_operator_permission(self, request):
        return is_operator(request.user)

    def run_service(self, request, queryset, call, done: str) -> None:
        """Runs a service per selected row, in id order; refusals are reported, not raised."""
        succeeded = 0
        for obj in queryset.order_by("pk"):
            try:
                call(obj)
                succeeded += 1
            except ApplicationError as error:
                self.message_user(request, f"{obj}: {refusal_text(error)}", messages.ERROR)
        if succeeded:
            self.message_user(request, f"{succeeded} {done}.", messages.SUCCESS)

    def object_actions(self, request, obj) -> list[str]:
        """The actions offered as buttons on the object's page: by default every action but
        deletion; admins narrow it to what the object's state allows."""
        return [name for name in self.get_actions(request) if name != "delete_selected"]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        to_field = request.POST.get(TO_FIELD_VAR, request.GET.get(TO_FIELD_VAR))
        if object_id is not None and (to_field is None or self.to_field_allowed(request, to_field)):
            obj = self.get_object(request, unquote(object_id), to_field)
            if obj is None:
                # Another company's object is the same 404 as an id that does not exist.
                context = {**self.admin_site.each_context(request), "title": "Not found", "opts": self.model._meta}
                return TemplateResponse(request, "admin/desk/not_found.html", context, status=404)
            actions = self.get_actions(request)
            extra_context = {
                "object_actions": [
                    (name, name.replace("_", " ").capitalize())
                    for name in self.object_actions(request, obj)
                    if name in actions
                ],
                **(extra_context or {}),
            }
        return super().changeform_view(request, object_id, form_url, extra_context)

    def response_action(self, request, queryset):
        # An action started from an object's page goes back there when it is done.
        response = super().response_action(request, queryset)
        back = request.POST.get("_next", "")
        if isinstance(response, HttpResponseRedirect) and url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}
        ):
            return HttpResponseRedirect(back)
        return response

    def action_form_page(self, request, queryset, form, *, action: str, description: str):
        context = {
            **self.admin_site.each_context(request),
            "title": description,
            "opts": self.model._meta,
            "queryset": queryset.order_by("pk"),
            "form": form,
            "action": action,
            "description": description,
            "selected_name": helpers.ACTION_CHECKBOX_NAME,
            "next": request.POST.get("_next", ""),
        }
        return TemplateResponse(request, "admin/desk/action_form.html", context)


def form_action(form_class, *, description: str, done: str, permissions=("change",)):
    """An admin action that asks for input first: form_class on an intermediate page, then
    `run(model_admin, request, obj, **cleaned_data)` (one service call) for each selected row."""

    def decorate(run):
        def action(model_admin, request, queryset):
            form = form_class(request.POST if "apply" in request.POST else None)
            if form.is_bound and form.is_valid():
                model_admin.run_service(
                    request, queryset, lambda obj: run(model_admin, request, obj, **form.cleaned_data), done
                )
                return None
            return model_admin.action_form_page(request, queryset, form, action=run.__name__, description=description)

        action.__name__ = run.__name__
        return admin.action(description=description, permissions=list(permissions))(action)

    return decorate


def money_html(amount, currency) -> str:
    return "-" if amount is None else str(Money(amount, currency))


def table(headers: list[str], rows) -> str:
    """A small read-only table inside an admin page."""
    head = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "", "<tr>{}</tr>", ((format_html_join("", "<td>{}</td>", ((c,) for c in r)),) for r in rows)
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


def admin_link(obj, label=None) -> str:
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, label or obj)


class OperatorOnlyAdmin(DeskAdmin):
    """Platform-wide data: operators only; SME staff never see these models."""

    def has_module_permission(self, request):
        return is_operator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_operator(request.user)

    has_add_permission = has_module_permission

    def has_change_permission(self, request, obj=None):
        return is_operator(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_operator(request.user)


class ServiceOnlyAdmin(OperatorOnlyAdmin):
    """Shown to operators, changed only through actions that call services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(OperatorOnlyAdmin, DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name", "locale"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})]
    filter_horizontal = ["groups"]

    def get_readonly_fields(self, request, obj=None):
        # Only superusers hand out superuser or staff rights.
        return [] if request.user.is_superuser else ["is_staff", "is_superuser"]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(OperatorOnlyAdmin):
    list_display = ["base_currency", "quote_currency", "rate", "effective_date", "source"]
    list_filter = ["base_currency", "quote_currency", "source"]
    search_fields = ["base_currency", "quote_currency"]
    date_hierarchy = "effective_date"


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(OperatorOnlyAdmin):
    search_fields = ["name"]
    filter_horizontal = ["permissions"]


@admin.register(Job)
class JobAdmin(OperatorOnlyAdmin):
    list_display = ["id", "kind", "status", "progress_bar", "error_count", "owner", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    search_fields = ["id", "owner__email"]
    readonly_fields = [f.name for f in Job._meta.fields] + ["progress_bar"]

    @admin.display(description="progress")
    def progress_bar(self, job):
        percent = job.progress
        if percent is None:
            return f"{job.processed} done"
        return format_html('<progress value="{}" max="100"></progress> {}%', percent, percent)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SecurityEvent)
class SecurityEventAdmin(OperatorOnlyAdmin):
    """The security log, for operators: read-only (append-only table, see the model)."""

    list_display = ["created_at", "kind", "user", "actor", "company_id", "ip_address"]
    list_filter = ["kind"]
    search_fields = ["user__email", "actor__email", "ip_address"]
    list_select_related = ["user", "actor"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ServiceOnlyAdmin):
    """The outbox, read-only: what happened, whom it concerns, when it was dispatched."""

    list_display = ["created_at", "type", "public_id", "company_ids", "buyer_company_ids", "dispatched_at"]
    list_filter = ["type"]
    search_fields = ["public_id"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Event._meta.fields]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ServiceOnlyAdmin):
    """Operators see every endpoint (companies manage theirs through the API); they can switch
    one off or back on, and ping it."""

    list_display = [
        "id",
        "url",
        "company_id",
        "buyer_company_id",
        "owner",
        "is_active",
        "consecutive_failures",
        "disabled_at",
    ]
    list_filter = ["is_active"]
    search_fields = ["url", "owner__email"]
    list_select_related = ["owner"]
    readonly_fields = [f.name for f in WebhookEndpoint._meta.fields if f.name != "secret"]
    exclude = ["secret"]
    actions = ["switch_off", "switch_on", "ping"]

    @admin.action(description="Switch off")
    def switch_off(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda e: webhooks.webhook_endpoint_update(
                endpoint=e, actor=request.user, request=request, is_active=False
            ),
            "endpoints switched off",
        )

    @admin.action(description="Switch on")
    def switch_on(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda e: webhooks.webhook_endpoint_update(endpoint=e, actor=request.user, request=request, is_active=True),
            "endpoints switched on",
        )

    @admin.action(description="Ping")
    def ping(self, request, queryset):
        self.run_service(request, queryset, lambda e: webhooks.webhook_ping(endpoint=e), "pings queued")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ServiceOnlyAdmin):
    list_display = ["id", "event", "endpoint", "status", "attempts", "response_status", "latency_ms", "created_at"]
    list_filter = ["status", "event__type"]
    search_fields = ["event__public_id", "endpoint__url"]
    list_select_related = ["event", "endpoint"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["redeliver"]

    @admin.action(description="Redeliver (same event id)")
    def redeliver(self, request, queryset):
        self.run_service(request, queryset, lambda d: webhooks.webhook_redeliver(delivery=d), "redeliveries queued")


@admin.register(Message)
class MessageAdmin(ServiceOnlyAdmin):
    """Every e-mail sent (or being retried), readable here without a mail server."""

    list_display = ["created_at", "recipient", "template", "locale", "status", "attempts", "sent_at"]
    list_filter = ["status", "template", "locale"]
    search_fields = ["recipient", "subject", "provider_id"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Message._meta.fields]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ServiceOnlyAdmin):
    list_display = ["user", "template", "enabled"]
    list_filter = ["template", "enabled"]
    search_fields = ["user__email"]
    readonly_fields = ["user", "template", "enabled"]
