"""Content locales and the fallback every read uses: requested -> default (ko) -> English."""

from django.conf import settings
from django.core.exceptions import ValidationError


def fallback_chain(locale: str | None) -> list[str]:
    chain = [locale] if locale else []
    for candidate in (settings.CONTENT_DEFAULT_LOCALE, "en"):
        if candidate not in chain:
            chain.append(candidate)
    return chain


def localized(translations: dict[str, str], locale: str | None) -> tuple[str | None, str | None]:
    """The text for the locale with fallback, and the locale it actually came from."""
    for candidate in fallback_chain(locale):
        text = translations.get(candidate)
        if text:
            return text, candidate
    return None, None


def validate_translations(value) -> None:
    if not isinstance(value, dict):
        raise ValidationError("Expected an object of locale to text.", code="invalid")
    for locale, text in value.items():
        if locale not in settings.CONTENT_LOCALES:
            raise ValidationError(
                f"'{locale}' is not a content locale; use one of {', '.join(settings.CONTENT_LOCALES)}.",
                code="invalid_locale",
            )
        if not isinstance(text, str) or not text.strip():
            raise ValidationError(f"The '{locale}' text must be a non-empty string.", code="invalid")
