from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

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

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.email


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
