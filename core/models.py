import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS

from core.events import EventType
from core.money import validate_currency_code


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Logs in with email. Company roles live in brands.CompanyStaff; operators are staff in
    the "operators" group."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May log in to the admin as an operator.")
    date_joined = models.DateTimeField(default=timezone.now)
    # Until set, the user may browse and buy but not create companies, post RFQs or take a write role.
    email_verified_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="Closed by the user; personal data removed.")
    # The language of the staff e-mails this user receives (buyers' follow their order's).
    locale = models.CharField(
        max_length=10,
        choices=[(code, code) for code in settings.CONTENT_LOCALES],
        blank=True,
        help_text="Language of the e-mails this user receives as company staff; blank: the platform default.",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.email

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_at is not None


class AuthToken(AbstractAuthToken):
    """A login token (django-rest-knox): only its SHA-512 digest is stored. A user holds several,
    one per device or client, each with a name, an expiry that slides on use and a last use."""

    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    name = models.CharField(max_length=100, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self):
        return f"{self.name or 'token'} of {self.user_id}"


class SecurityEvent(models.Model):
    """Append-only log of what matters to an auditor: logins, tokens and keys, passwords, staff
    and roles, payout accounts. No service updates or deletes a row; on PostgreSQL a trigger
    refuses it (migration 0006_security_events_append_only) and the admin is read-only."""

    class Kind(models.TextChoices):
        LOGIN_SUCCEEDED = "login_succeeded", "Login succeeded"
        LOGIN_FAILED = "login_failed", "Login failed"
        LOGIN_LOCKED = "login_locked", "Login locked out"
        TOKEN_CREATED = "token_created", "Token created"
        TOKEN_REVOKED = "token_revoked", "Token revoked"
        API_KEY_CREATED = "api_key_created", "API key created"
        API_KEY_REVOKED = "api_key_revoked", "API key revoked"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        PASSWORD_RESET_REQUESTED = "password_reset_requested", "Password reset requested"
        PASSWORD_RESET = "password_reset", "Password reset"
        EMAIL_VERIFIED = "email_verified", "E-mail verified"
        OTP_FAILED = "otp_failed", "Second factor failed"
        OTP_DEVICE_ENROLLED = "otp_device_enrolled", "Second factor enrolled"
        STAFF_CHANGED = "staff_changed", "Staff role set"
        STAFF_INVITED = "staff_invited", "Staff invited"
        STAFF_INVITATION_REVOKED = "staff_invitation_revoked", "Staff invitation revoked"
        STAFF_INVITATION_ACCEPTED = "staff_invitation_accepted", "Staff invitation accepted"
        PAYOUT_ACCOUNT_CHANGED = "payout_account_changed", "Payout account changed"
        WEBHOOK_ENDPOINT_CHANGED = "webhook_endpoint_changed", "Webhook endpoint changed"
        ACCOUNT_EXPORTED = "account_exported", "Account data exported"
        ACCOUNT_CLOSED = "account_closed", "Account closed"

    kind = models.CharField(max_length=40, choices=Kind.choices)
    # Whose account it concerns; PROTECT: accounts are closed by anonymising, never deleted.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="security_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The company concerned (brands.Company; core keeps the id only, as it imports no app).
    company_id = models.BigIntegerField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["company_id", "-created_at"]), models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return f"{self.kind} #{self.pk}"


class ExchangeRate(models.Model):
    """1 unit of base_currency = rate units of quote_currency, from effective_date on."""

    base_currency = models.CharField(max_length=3, validators=[validate_currency_code])
    quote_currency = models.CharField(max_length=3, validators=[validate_currency_code])
    rate = models.DecimalField(max_digits=24, decimal_places=10)
    effective_date = models.DateField()
    source = models.CharField(max_length=50, default="seed")

    class Meta:
        ordering = ["base_currency", "quote_currency", "-effective_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["base_currency", "quote_currency", "effective_date"], name="exchange_rate_unique_per_day"
            ),
            models.CheckConstraint(condition=models.Q(rate__gt=Decimal("0")), name="exchange_rate_positive"),
        ]

    def __str__(self):
        return f"1 {self.base_currency} = {self.rate} {self.quote_currency} ({self.effective_date})"


class Job(models.Model):
    """Every long-running piece of work (bulk import, syndication, exports): one row with its
    status, progress, counts and per-item errors, shown in the API and the admin."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIALLY_FAILED = "partially_failed", "Partially failed"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    FINISHED = [Status.SUCCEEDED, Status.PARTIALLY_FAILED, Status.FAILED, Status.CANCELLED]
    MAX_ERRORS = 1000  # kept per job; the count of errors is always exact

    kind = models.CharField(max_length=50)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    scope = models.JSONField(default=dict, blank=True, help_text='What the job works on, e.g. {"company": 3}.')
    input_file = models.FileField(upload_to="jobs/input/%Y/%m/", blank=True)
    total = models.PositiveIntegerField(null=True, blank=True)
    processed = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["kind", "status"])]

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def progress(self) -> int | None:
        """Percent done, when the total is known."""
        if not self.total:
            return 100 if self.status in self.FINISHED else None
        return min(100, self.processed * 100 // self.total)


class IdempotencyKey(models.Model):
    """The first response to a write sent with an Idempotency-Key, replayed for repeats."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True)
    scope = models.CharField(max_length=100)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    # Empty while the first request is in flight; repeats wait on the row's unique index.
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_key_unique"),
            models.UniqueConstraint(
                fields=["scope", "key"], condition=models.Q(user__isnull=True), name="idempotency_key_unique_anonymous"
            ),
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self):
        return f"{self.scope}:{self.key}"


class Event(models.Model):
    """The outbox: one row per thing that happened, written in the transaction of the change
    (`core.services.event_record`), dispatched after commit. `public_id` is the id receivers
    dedupe on; `company_ids` are the companies the event concerns (brands.Company ids: core
    keeps ids only), which decide whose webhook endpoints receive it."""

    public_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=40, choices=EventType.choices)
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    company_ids = models.JSONField(default=list, blank=True)
    # What a company's endpoints see instead of some keys of `data`: {"<company id>": {key: value}},
    # e.g. an order's lines narrowed to that seller's own. Platform-wide endpoints see `data`.
    company_data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    # The buyer companies (marketplace.BuyerCompany ids) whose order, RFQ or quote it is: their
    # endpoints receive it, as `data` naming them (`buyer_company`).
    buyer_company_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["type", "-created_at"]),
            models.Index(
                fields=["created_at"], condition=models.Q(dispatched_at__isnull=True), name="event_undispatched"
            ),
        ]

    def __str__(self):
        return f"{self.type} {self.public_id}"

    @property
    def webhook_id(self) -> str:
        return f"evt_{self.public_id.hex}"

    def data_for(self, company_id: int | None, buyer_company_id: int | None = None) -> dict:
        """The payload as the company's endpoints (None: platform-wide ones) see it; a buyer
        company's endpoints see it whole (its own order, RFQ or quote) with the buyer named."""
        if buyer_company_id is not None:
            return {**self.data, "buyer_company": buyer_company_id}
        if company_id is None:
            return self.data
        return {**self.data, **self.company_data.get(str(company_id), {})}


class WebhookEndpoint(models.Model):
    """An integrator's URL subscribed to event types. With a company it receives only events
    concerning that company; without one (an operator's) every event of its types."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="webhook_endpoints")
    company_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # Or a buyer company's (marketplace.BuyerCompany id): it receives the events naming it in
    # Event.buyer_company_ids, of the types in core.events.BUYER_SUBSCRIBABLE.
    buyer_company_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text='Event types, e.g. ["order.paid"].')
    description = models.CharField(max_length=200, blank=True)
    # Kept in clear: signing needs it. Shown once, on creation and on rotation.
    secret = models.CharField(max_length=80)
    is_active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(company_id__isnull=True) | models.Q(buyer_company_id__isnull=True),
                name="webhook_endpoint_one_company",
            ),
        ]

    def __str__(self):
        return self.url


class WebhookDelivery(models.Model):
    """One event to one endpoint, with its attempts. A redelivery is a new row for the same
    event (same event id in the body); the first delivery of an event is unique per endpoint."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="deliveries")
    redelivery = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.CharField(max_length=500, blank=True, help_text="The first bytes of the answer.")
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"], condition=models.Q(redelivery=False), name="webhook_delivery_once"
            ),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="webhook_delivery_due"),
        ]

    def __str__(self):
        return f"{self.event.type} to {self.endpoint_id} ({self.status})"


class Message(models.Model):
    """Every e-mail the platform sends, rendered once, sent after commit and retried with backoff
    on SMTP errors. One event sends one template to one address at most once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (the recipient opted out)"

    recipient = models.EmailField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    template = models.CharField(max_length=100)
    locale = models.CharField(max_length=10, blank=True)
    event = models.ForeignKey(Event, on_delete=models.PROTECT, null=True, blank=True, related_name="messages")
    # For a message no event causes (the operators' daily digest): what makes it once only,
    # e.g. "operator_digest:2026-12-07"; unique per recipient and template.
    key = models.CharField(max_length=100, blank=True)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    provider_id = models.CharField(max_length=200, blank=True, help_text="The Message-ID the server accepted.")
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient", "template"],
                condition=models.Q(event__isnull=False),
                name="message_once_per_event_recipient_template",
            ),
            models.UniqueConstraint(
                fields=["key", "recipient", "template"],
                condition=~models.Q(key=""),
                name="message_once_per_key_recipient_template",
            ),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="message_due"),
        ]

    def __str__(self):
        return f"{self.template} to {self.recipient} ({self.status})"


class NotificationPreference(models.Model):
    """A user's choice for one optional e-mail (transactional ones always go)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    template = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "template"], name="notification_preference_unique")]

    def __str__(self):
        return f"{self.template}: {'on' if self.enabled else 'off'}"
