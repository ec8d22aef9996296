"""Matchmaking, as tradeKorea and the Global Buyer Conference run it (reference report, section
III.D (b) and (d)): a directory of verified buyers who opt in, business proposals from SMEs
to them, and matchmaking events where buyers and SMEs meet in scheduled slots."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from brands.models import Company
from core.money import Money
from listings.models import Category, Product

from .trade import RFQ, BuyerCompany


class BuyerProfile(models.Model):
    """A buyer company's entry in the buyer directory ("buyer DB target marketing"): shown to
    SMEs only while the buyer opts in and an operator has verified the company."""

    buyer_company = models.OneToOneField(BuyerCompany, on_delete=models.CASCADE, related_name="directory_profile")
    opted_in = models.BooleanField(default=True)
    categories = models.ManyToManyField(Category, blank=True, related_name="+")
    # Order sizes the buyer places, in USD (converted when given in another currency), so the
    # directory filters on one scale.
    min_order_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    max_order_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    interests = models.TextField(blank=True, help_text="What the buyer looks for, in its words.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_order_amount__isnull=True) | Q(min_order_amount__gte=0), name="buyer_profile_min_order"
            ),
            models.CheckConstraint(
                condition=Q(min_order_amount__isnull=True)
                | Q(max_order_amount__isnull=True)
                | Q(max_order_amount__gte=F("min_order_amount")),
                name="buyer_profile_order_range",
            ),
        ]

    def __str__(self):
        return f"{self.buyer_company} in the directory"

    @property
    def min_order(self) -> Money | None:
        return None if self.min_order_amount is None else Money(self.min_order_amount, "USD")

    @property
    def max_order(self) -> Money | None:
        return None if self.max_order_amount is None else Money(self.max_order_amount, "USD")


class BusinessProposal(models.Model):
    """An SME's proposal to a buyer in the directory: products and terms. The buyer answers it;
    asking for a quote opens an RFQ the SME quotes through the trade desk."""

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        INTERESTED = "interested", "Interested"
        NOT_INTERESTED = "not_interested", "Not interested"
        QUOTE_REQUESTED = "quote_requested", "Quote requested"

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="proposals")
    buyer_company = models.ForeignKey(BuyerCompany, on_delete=models.PROTECT, related_name="proposals")
    products = models.ManyToManyField(Product, related_name="proposals")
    subject = models.CharField(max_length=200)
    terms = models.TextField(help_text="Prices, MOQ, Incoterms, samples: what the SME offers.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SENT)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    # The trading company that sent it for the SME, if one did (brands.models.Mandate, quotes scope).
    agent = models.ForeignKey(Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)
    answer_message = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    rfq = models.OneToOneField(RFQ, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposal")

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["company", "sent_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(rfq__isnull=True) | Q(status="quote_requested"), name="proposal_rfq_only_when_asked"
            ),
        ]

    def __str__(self):
        return f"{self.company} -> {self.buyer_company}: {self.subject}"


class MatchmakingEvent(models.Model):
    """A buyer conference or an online matchmaking day an operator sets up: meetings fall in
    fixed slots of `slot_minutes` between `starts_at` and `ends_at`."""

    class Mode(models.TextChoices):
        ONLINE = "online", "Online"
        IN_PERSON = "in_person", "In person"

    name = models.CharField(max_length=200)
    mode = models.CharField(max_length=10, choices=Mode.choices)
    venue = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=100, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    slot_minutes = models.PositiveSmallIntegerField(default=30)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="matchmaking_event_ends_after_start"),
            models.CheckConstraint(condition=Q(slot_minutes__gte=10), name="matchmaking_event_slot_length"),
            models.CheckConstraint(condition=Q(mode="online") | ~Q(venue=""), name="matchmaking_event_place"),
        ]

    def __str__(self):
        return self.name


class Meeting(models.Model):
    """A meeting asked for by a buyer or an SME at an event; the other side accepts it and it is
    scheduled in the first slot both are free. Neither side is ever booked twice in one slot:
    two partial unique constraints (slots have one length per event, so a shared start is the
    only overlap)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        SCHEDULED = "scheduled", "Scheduled"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"

    class Side(models.TextChoices):
        BUYER = "buyer", "Buyer"
        SME = "sme", "SME"

    event = models.ForeignKey(MatchmakingEvent, on_delete=models.CASCADE, related_name="meetings")
    buyer_company = models.ForeignKey(BuyerCompany, on_delete=models.PROTECT, related_name="meetings")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="meetings")
    requested_by = models.CharField(max_length=5, choices=Side.choices)
    requested_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    message = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    starts_at = models.DateTimeField(null=True, blank=True)
    buyer_notes = models.TextField(blank=True)
    sme_notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "buyer_company", "starts_at"],
                condition=Q(status="scheduled"),
                name="meeting_buyer_one_per_slot",
            ),
            models.UniqueConstraint(
                fields=["event", "company", "starts_at"],
                condition=Q(status="scheduled"),
                name="meeting_sme_one_per_slot",
            ),
            models.UniqueConstraint(
                fields=["event", "buyer_company", "company"],
                condition=Q(status__in=["requested", "scheduled"]),
                name="meeting_one_live_per_pair",
            ),
            models.CheckConstraint(
                condition=Q(status="scheduled", starts_at__isnull=False) | ~Q(status="scheduled"),
                name="meeting_scheduled_has_slot",
            ),
        ]

    def __str__(self):
        return f"{self.buyer_company} x {self.company} at {self.event}"
