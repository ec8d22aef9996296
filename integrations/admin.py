from datetime import timedelta

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from brands.admin import CompanyScopedAdmin, ReadOnlyInline
from core.admin import OperatorOnlyAdmin
from core.errors import ApplicationError
from integrations import services
from integrations.models import Channel, ChannelListing, ChannelListingEvent, SyndicationBatch, SyndicationJob


@admin.register(Channel)
class ChannelAdmin(OperatorOnlyAdmin):
    """Channel settings are operators' data: base URL (checked against private addresses),
    locales, currency, category mapping, limits and the sync interval the beat task follows.
    Credentials are not here: they come from the environment (CHANNEL_CREDENTIALS)."""

    list_display = [
        "code",
        "name",
        "currency",
        "destination_country",
        "sync_interval_minutes",
        "last_synced_at",
        "active",
    ]
    list_filter = ["active", "connector"]
    readonly_fields = ["last_synced_at", "orders_imported_until", "created_at"]
    actions = ["start_incremental", "start_full", "import_orders"]

    def _start(self, request, queryset, mode):
        for channel in queryset.order_by("pk"):
            try:
                syndication = services.syndication_job_start(actor=request.user, channel=channel, mode=mode)
            except ApplicationError as error:
                self.message_user(request, f"{channel}: {error.detail}", messages.ERROR)
                continue
            self.message_user(request, f"{channel}: {mode} sync queued as job {syndication.job_id}.", messages.SUCCESS)

    @admin.action(description="Start an incremental sync")
    def start_incremental(self, request, queryset):
        self._start(request, queryset, SyndicationJob.Mode.INCREMENTAL)

    @admin.action(description="Start a full sync")
    def start_full(self, request, queryset):
        self._start(request, queryset, SyndicationJob.Mode.FULL)

    @admin.action(description="Import new orders now")
    def import_orders(self, request, queryset):
        from integrations.tasks import channel_orders_import_task

        for channel in queryset.order_by("pk"):
            channel_orders_import_task.delay(channel.pk)
        self.message_user(request, f"Order import queued for {queryset.count()} channel(s).", messages.SUCCESS)


class IssueFilter(admin.SimpleListFilter):
    """Listings held back by one blocking issue code (readiness or the channel's rejection)."""

    title = "blocking issue"
    parameter_name = "issue"

    def lookups(self, request, model_admin):
        stored = model_admin.get_queryset(request).order_by().values_list("blocking_codes", flat=True).distinct()
        return [(code, code) for code in sorted({code for codes in stored for code in codes.split(",") if code})]

    def queryset(self, request, queryset):
        return queryset if self.value() is None else queryset.filter(blocking_codes__contains=f",{self.value()},")


class FinishedFilter(admin.SimpleListFilter):
    title = "finished"
    parameter_name = "finished"

    def lookups(self, request, model_admin):
        return [("day", "In the last day")]

    def queryset(self, request, queryset):
        if self.value() == "day":
            return queryset.filter(job__finished_at__gte=timezone.now() - timedelta(days=1))
        return queryset


class ListingEventInline(ReadOnlyInline):
    model = ChannelListingEvent
    fields = ["created_at", "from_status", "to_status", "message", "job"]
    readonly_fields = fields


@admin.register(ChannelListing)
class ChannelListingAdmin(CompanyScopedAdmin):
    """Where each product stands on each channel, and every reason it is not live."""

    company_path = "product__company"
    list_display = ["product", "channel", "status", "ready", "blocking", "external_id", "updated_at"]
    list_filter = ["channel", "status", "ready", IssueFilter]
    search_fields = ["product__slug", "external_id", "blocking_codes"]
    list_select_related = ["product", "channel"]
    readonly_fields = [f.name for f in ChannelListing._meta.fields] + ["issue_list"]
    exclude = ["issues"]
    inlines = [ListingEventInline]

    @admin.display(description="blocking issues")
    def blocking(self, listing):
        return ", ".join(listing.blocking_issue_codes) or "-"

    @admin.display(description="issues")
    def issue_list(self, listing):
        if not listing.issues:
            return "-"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li><b>{}</b> ({}, {}) {}: {}</li>",
                (
                    (i.get("code"), i.get("severity"), i.get("source"), i.get("attribute"), i.get("message"))
                    for i in listing.issues
                ),
            ),
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class BatchInline(ReadOnlyInline):
    model = SyndicationBatch
    fields = ["seq", "kind", "state", "attempts", "deferrals", "last_error", "started_at", "finished_at"]
    readonly_fields = fields


@admin.register(SyndicationJob)
class SyndicationJobAdmin(OperatorOnlyAdmin):
    list_display = ["id", "channel", "mode", "status", "progress", "counts", "created_at"]
    list_filter = ["channel", "mode", "job__status", FinishedFilter]
    list_select_related = ["job", "channel"]
    readonly_fields = [f.name for f in SyndicationJob._meta.fields if f.name != "outcomes"] + ["outcome_list"]
    exclude = ["outcomes"]
    inlines = [BatchInline]
    actions = ["cancel"]

    @admin.display(description="status")
    def status(self, syndication):
        return syndication.job.status

    @admin.display(description="progress")
    def progress(self, syndication):
        percent = syndication.job.progress
        return (
            "-" if percent is None else format_html('<progress value="{}" max="100"></progress> {}%', percent, percent)
        )

    @admin.display(description="counts")
    def counts(self, syndication):
        return ", ".join(f"{v} {k}" for k, v in syndication.job.counts.items() if v)

    @admin.display(description="per-item outcomes")
    def outcome_list(self, syndication):
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} <b>{}</b> {} {}</li>",
                (
                    (
                        o["reference"],
                        o["outcome"],
                        o.get("external_id", ""),
                        "; ".join(i["message"] for i in o["issues"]),
                    )
                    for o in syndication.outcomes[:500]
                ),
            ),
        )

    @admin.action(description="Cancel the selected jobs")
    def cancel(self, request, queryset):
        for syndication in queryset.select_related("job").order_by("pk"):
            try:
                services.syndication_job_cancel(actor=request.user, syndication=syndication)
            except ApplicationError as error:
                self.message_user(request, f"Job {syndication.job_id}: {error.detail}", messages.ERROR)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
