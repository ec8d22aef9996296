"""Channels (outside marketplaces), a product's listing on each, and syndication jobs with
their batches. Credentials are not stored here: they come from settings, keyed by channel code."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django_countries.fields import CountryField

from brands.models import Brand, Company
from core.errors import ApplicationError
from core.models import Job
from core.money import validate_currency_code
from listings.models import Product


class ChannelCode(models.TextChoices):
    KMALL24 = "kmall24", "Kmall24"
    BUYKOREA = "buykorea", "buyKOREA"
    AMAZON = "amazon", "Amazon"
    EBAY = "ebay", "eBay"
    TMALL = "tmall", "Tmall"


def validate_channel_base_url(value: str) -> None:
    """No private, loopback or link-local targets outside the simulator setting (SSRF)."""
    from integrations.http.base_url import base_url_check  # the HTTP client package owns the rule

    try:
        base_url_check(value)
    except ApplicationError as error:
        raise ValidationError(error.detail, code="unsafe_base_url") from None


class Channel(models.Model):
    """An outside marketplace: where listings go, in which language and currency, by which rules."""

    Code = ChannelCode

    # A channel is one marketplace of a connector: Amazon US and Amazon JP are two channels of
    # the amazon connector, each with its locales, currency, destination and category mapping.
    code = models.SlugField(max_length=20, unique=True, help_text="Our name for the marketplace, e.g. amazon-jp.")
    name = models.CharField(max_length=100)
    connector = models.CharField(max_length=20, choices=ChannelCode.choices, help_text="Which connector speaks to it.")
    base_url = models.URLField(max_length=300, validators=[validate_channel_base_url])
    locales = models.JSONField(
        default=list, blank=True, help_text='Locales the channel shows, e.g. ["en", "zh", "ja"].'
    )
    currency = models.CharField(max_length=3, default="USD", validators=[validate_currency_code])
    destination_country = CountryField(help_text="Where the channel's buyers are, for customs readiness.")
    category_mapping = models.JSONField(
        default=dict,
        blank=True,
        help_text='Our category path -> the channel\'s category id, e.g. {"home/lighting": "1234"}.',
    )
    rate_limit_per_second = models.PositiveIntegerField(default=10, validators=[MinValueValidator(1)])
    batch_size = models.PositiveIntegerField(default=50, validators=[MinValueValidator(1), MaxValueValidator(500)])
    sync_interval_minutes = models.PositiveIntegerField(
        default=60,
        validators=[MinValueValidator(5)],
        help_text="How often the beat task starts an incremental sync; operators edit it here.",
    )
    last_synced_at = models.DateTimeField(null=True, blank=True)
    orders_imported_until = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(batch_size__gte=1) & Q(batch_size__lte=500), name="channel_batch_size"),
            models.CheckConstraint(condition=Q(sync_interval_minutes__gte=5), name="channel_sync_interval_min"),
        ]

    def __str__(self):
        return self.name


class ChannelListing(models.Model):
    """One product on one channel: where it stands, what the channel (or our dry run) said."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUBMITTED = "submitted", "Submitted"
        LIVE = "live", "Live"
        REJECTED = "rejected", "Rejected"
        ERROR = "error", "Error"
        DELISTED = "delisted", "Delisted"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="channel_listings")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="listings")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    external_id = models.CharField(max_length=120, blank=True)
    last_sent_hash = models.CharField(
        max_length=64, blank=True, help_text="Content hash of the last push the channel accepted."
    )
    last_tried_hash = models.CharField(
        max_length=64,
        blank=True,
        help_text="Content hash of the last answer (accepted or rejected), for incremental runs.",
    )
    # [{"code", "severity", "attribute", "message", "source"}], normalised across channels.
    issues = models.JSONField(default=list, blank=True)
    ready = models.BooleanField(default=False)
    # ",missing_locale,title_too_long," so one LIKE filters by code on every database.
    blocking_codes = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    inventory_dirty = models.BooleanField(default=False)
    checked_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    live_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    delisted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["channel", "product"]
        constraints = [
            models.UniqueConstraint(fields=["product", "channel"], name="channel_listing_unique_product_channel")
        ]
        indexes = [
            models.Index(fields=["channel", "status"]),
            models.Index(fields=["channel", "ready"]),
            models.Index(fields=["inventory_dirty"], condition=Q(inventory_dirty=True), name="listing_inventory_dirty"),
        ]

    def __str__(self):
        return f"{self.product_id} on {self.channel_id}: {self.status}"

    @property
    def blocking_issue_codes(self) -> list[str]:
        return [code for code in self.blocking_codes.split(",") if code]


class ChannelListingEvent(models.Model):
    listing = models.ForeignKey(ChannelListing, on_delete=models.CASCADE, related_name="events")
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    from_status = models.CharField(max_length=10)
    to_status = models.CharField(max_length=10)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.listing_id}: {self.from_status} -> {self.to_status}"


class SyndicationJob(models.Model):
    """The scope of one syndication run; status, progress, counts and per-item outcomes live on
    its core Job row, like every other long-running piece of work."""

    class Mode(models.TextChoices):
        FULL = "full", "Full"
        INCREMENTAL = "incremental", "Incremental"

    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="syndication")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="jobs")
    brand = models.ForeignKey(Brand, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    product_ids = models.JSONField(default=list, blank=True)
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.INCREMENTAL)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    # Per-item outcomes: [{"product", "reference", "outcome", "external_id", "issues"}].
    outcomes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    MAX_OUTCOMES = 5000

    class Meta:
        ordering = ["-pk"]

    def __str__(self):
        return f"{self.mode} sync to {self.channel_id} (job {self.job_id})"


class SyndicationBatch(models.Model):
    """Listings pushed (or delisted) together by one Celery task. `done_ids` grows as results
    are stored, so a redelivered task only resends what has no result yet."""

    class Kind(models.TextChoices):
        PUSH = "push", "Push"
        DELIST = "delist", "Delist"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        DEAD = "dead", "Dead"
        CANCELLED = "cancelled", "Cancelled"

    FINISHED = [State.DONE, State.DEAD, State.CANCELLED]
    MAX_ATTEMPTS = 5

    syndication = models.ForeignKey(SyndicationJob, on_delete=models.CASCADE, related_name="batches")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.PUSH)
    listing_ids = models.JSONField(default=list)
    done_ids = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    deferrals = models.PositiveIntegerField(default=0, help_text="Times put off because the channel was unavailable.")
    last_error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["syndication", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["syndication", "seq"], name="syndication_batch_unique_seq"),
            models.CheckConstraint(condition=Q(attempts__lte=5), name="syndication_batch_attempts_max"),
        ]
        indexes = [models.Index(fields=["state"])]

    def __str__(self):
        return f"batch {self.seq} of {self.syndication_id} ({self.state})"
