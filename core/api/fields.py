import copy
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError as DjangoValidationError
from django_countries.serializer_fields import CountryField as CountryChoiceField
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.ids import ID_PATTERN, MAX_ID  # noqa: F401 - re-exported: views and serializers import them from here
from core.locales import validate_translations
from core.money import Money, minor_units, validate_currency_code, validate_minor_units

# Decimals are strings with the `decimal` format in every body and parameter, as money amounts
# are (docs/api-conventions.md): a JSON number is a binary float to most clients.
DECIMAL_STRING = {"type": "string", "format": "decimal", "example": "12.50"}


class StrictFieldsMixin:
    """Rejects keys the serializer does not accept, so a typo or a mass-assignment attempt
    (status, company, is_staff, ...) is a 400 naming the field, not silently ignored."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [serializers.ErrorDetail("Unknown or read-only field.", code="unknown_field")]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)


class StrictSerializer(StrictFieldsMixin, serializers.Serializer):
    pass


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "amount": {"type": "string", "format": "decimal", "example": "12.50"},
            "currency": {"type": "string", "example": "USD", "minLength": 3, "maxLength": 3},
        },
        "required": ["amount", "currency"],
    }
)
class MoneyField(serializers.Field):
    """`{"amount": "12.50", "currency": "USD"}`: a Decimal string, never a float, in the
    currency's minor units. `MoneyField(amount="captured_amount")` reads a model's amount column
    with its `currency` column (read-only)."""

    default_error_messages = {
        "invalid": 'Expected {{"amount": "<decimal string>", "currency": "<ISO 4217>"}}.',
        "float": "Send the amount as a decimal string, not a number with a binary fraction.",
        "negative": "The amount may not be negative.",
    }

    def __init__(self, *, allow_negative: bool = False, amount: str | None = None, **kwargs):
        self.allow_negative, self.amount_attr = allow_negative, amount
        if amount is not None:
            kwargs |= {"source": "*", "read_only": True}
        super().__init__(**kwargs)

    def to_representation(self, value):
        if self.amount_attr is not None:
            value = Money(getattr(value, self.amount_attr), value.currency)
        return value.as_dict()

    def to_internal_value(self, data) -> Money:
        if not isinstance(data, Mapping) or set(data) != {"amount", "currency"}:
            self.fail("invalid")
        raw, currency = data["amount"], data["currency"]
        if isinstance(raw, float):
            self.fail("float")
        if not isinstance(raw, str | int) or isinstance(raw, bool) or not isinstance(currency, str):
            self.fail("invalid")
        try:
            amount = Decimal(str(raw))
        except InvalidOperation:
            self.fail("invalid")
        if not amount.is_finite():
            self.fail("invalid")
        if amount < 0 and not self.allow_negative:
            self.fail("negative")
        try:
            validate_currency_code(currency)
            validate_minor_units(amount, currency)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code=error.code) from None
        return Money(amount.quantize(Decimal(1).scaleb(-minor_units(currency))), currency)


@extend_schema_field(
    {"type": "object", "additionalProperties": {"type": "string"}, "example": {"ko": "설명", "en": "Description"}}
)
class TranslationsField(serializers.JSONField):
    """A `{locale: text}` object over the platform's content locales."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            validate_translations(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code=error.code) from None
        return value


class CountryField(CountryChoiceField):
    """An ISO 3166-1 alpha-2 code, any case (stored upper-case). django-countries' field also takes
    an object (`{}` read as no country), a country's name or an alpha-3 code and stores the blank or
    the code it maps to; a country decides duties and who is the importer, so anything but a known
    two-letter code is a 400 naming the field."""

    def __deepcopy__(self, memo):
        # Each serializer instance deep-copies its declared fields, and DRF's copy runs __init__
        # again, which rebuilds the choices from every country (about 250 lookups, a third of
        # validating the storefront's query). The copy shares the choices, which nothing mutates.
        # A bound field (a ListField binds its child when declared) is copied DRF's way, unbound.
        if self.parent is not None:
            return super().__deepcopy__(memo)
        return copy.copy(self)

    def to_internal_value(self, data):
        if data == "" and self.allow_blank:
            return ""
        if not isinstance(data, str) or len(data) != 2 or not self.countries.alpha2(data):
            self.fail("invalid_choice", input=data if isinstance(data, str) else type(data).__name__)
        return super().to_internal_value(data)
