from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
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
