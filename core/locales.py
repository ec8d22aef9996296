"""Content locales and the fallback every read uses: requested -> default (ko) -> English."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation.trans_real import parse_accept_lang_header


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


def _match(tag: str) -> str | None:
    tag = tag.lower().replace("_", "-")
    if tag in settings.CONTENT_LOCALES:
        return tag
    if tag.startswith("zh"):
        # Traditional-script tags have no locale yet; Simplified is what the platform has.
        return "zh-hans"
    base = tag.split("-")[0]
    return base if base in settings.CONTENT_LOCALES else None


def request_locale(request) -> str:
    """`lang` query parameter, else the best of Accept-Language, else the default locale."""
    lang = request.GET.get("lang")
    if lang and (match := _match(lang)):
        return match
    for tag, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if tag != "*" and (match := _match(tag)):
            return match
    return settings.CONTENT_DEFAULT_LOCALE
