"""Trading-company agents' mandates from the SMEs they act for."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from brands.models.companies import Company


class MandateScope(models.TextChoices):
    """What an agent may do for the SME; each scope opens the SME's objects of one area to the
    agent's staff (brands.selectors.user_company_roles with `scope`)."""

    LISTINGS = "listings", "Listings (products, media, imports)"
    QUOTES = "quotes", "Quotes (RFQs, quotes, inquiries)"
    SHIPMENTS = "shipments", "Shipments (inbound shipments, stock)"
    STATEMENTS = "statements", "Statements and fees (read only)"


class Mandate(models.Model):
    """An SME's mandate to a trading company (the agent) to act for it within some scopes.
    The SME's owner grants it, the agent's owner accepts or declines it, the SME's owner
    revokes it at any time; only an active mandate opens anything."""

    class Status(models.TextChoices):
        OFFERED = "offered", "Offered"
        ACTIVE = "active", "Active"
        DECLINED = "declined", "Declined"
        REVOKED = "revoked", "Revoked"

    LIVE_STATUSES = [Status.OFFERED, Status.ACTIVE]

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="mandates_granted")
    agent = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="mandates_held")
    scopes = models.JSONField(default=list, help_text="A list of MandateScope values.")
    # The agent's commission, a share of the SME's sales while the mandate is active; charged on
    # the SME's statement as an `agent_commission` fee per order line (marketplace.services.commission).
    commission_rate = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal(0))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFERED)
    note = models.TextField(blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "agent"],
                condition=Q(status__in=["offered", "active"]),
                name="mandate_one_live_per_pair",
            ),
            # An SME pays commission on a sale to one agent at most.
            models.UniqueConstraint(
                fields=["company"],
                condition=Q(status="active", commission_rate__gt=Decimal(0)),
                name="mandate_one_commissioned_per_company",
            ),
            models.CheckConstraint(condition=~Q(company=models.F("agent")), name="mandate_not_to_itself"),
            models.CheckConstraint(
                condition=Q(commission_rate__gte=Decimal(0), commission_rate__lte=Decimal(1)),
                name="mandate_commission_rate_share",
            ),
        ]

    def __str__(self):
        return f"{self.company} -> {self.agent} ({self.status})"


class MandateEvent(models.Model):
    """The mandate's timeline: granted, accepted, declined, changed, revoked, by whom."""

    class Kind(models.TextChoices):
        GRANTED = "granted", "Granted"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        CHANGED = "changed", "Scopes or terms changed"
        REVOKED = "revoked", "Revoked"

    mandate = models.ForeignKey(Mandate, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"mandate {self.mandate_id}: {self.kind}"
