"""Matchmaking in the admin: operators set up matchmaking events and follow meetings, buyer
profiles and proposals; SME staff see their own companies' proposals and meetings, read-only
(writes go through the API's services)."""

from django.contrib import admin, messages

from brands.admin import CompanyScopedAdmin, ReadOnlyInline
from core.admin import OperatorOnlyAdmin
from core.errors import ApplicationError
from marketplace.admin.trade import ReadOnlyAdminMixin
from marketplace.models import BusinessProposal, BuyerProfile, MatchmakingEvent, Meeting
from marketplace.services.matchmaking import matchmaking_event_create

EVENT_FIELDS = ["name", "mode", "venue", "city", "starts_at", "ends_at", "slot_minutes", "description"]


class MeetingInline(ReadOnlyInline):
    model = Meeting
    fields = ["starts_at", "buyer_company", "company", "status", "requested_by", "buyer_notes", "sme_notes"]
    readonly_fields = fields


@admin.register(MatchmakingEvent)
class MatchmakingEventAdmin(OperatorOnlyAdmin):
    """Operators create an event here (matchmaking_event_create); it is not edited afterwards."""

    list_display = ["name", "mode", "city", "starts_at", "ends_at", "slot_minutes"]
    list_filter = ["mode"]
    search_fields = ["name", "city", "venue"]
    fields = EVENT_FIELDS
    inlines = [MeetingInline]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            created = matchmaking_event_create(actor=request.user, **{f: form.cleaned_data[f] for f in EVENT_FIELDS})
        except ApplicationError as error:
            self.message_user(request, error.detail, messages.ERROR)
            return
        obj.pk = created.pk

    def save_related(self, request, form, formsets, change):
        """Meetings are asked for through the API; the inline only shows them."""


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdminMixin, CompanyScopedAdmin):
    company_path = "company"
    list_display = ["event", "starts_at", "buyer_company", "company", "status", "requested_by"]
    list_filter = ["status", "event"]
    list_select_related = ["event", "buyer_company", "company"]


@admin.register(BusinessProposal)
class BusinessProposalAdmin(ReadOnlyAdminMixin, CompanyScopedAdmin):
    company_path = "company"
    list_display = ["subject", "company", "buyer_company", "agent", "status", "sent_at", "answered_at"]
    list_filter = ["status"]
    search_fields = ["subject", "company__legal_name", "buyer_company__name"]
    list_select_related = ["company", "buyer_company", "agent"]


@admin.register(BuyerProfile)
class BuyerProfileAdmin(ReadOnlyAdminMixin, OperatorOnlyAdmin):
    list_display = ["buyer_company", "opted_in", "min_order_amount", "max_order_amount", "updated_at"]
    list_filter = ["opted_in"]
    list_select_related = ["buyer_company"]
