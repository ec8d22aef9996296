"""Postal addresses as orders, checkouts and quotes keep them: validated once, stored as plain
JSON (`name`, `lines`, `city`, `postal_code`, `country`, `phone`)."""

import re

from django_countries import countries

from core.errors import InvalidInput

# Postal codes of the main destinations; elsewhere any 2 to 10 letters, digits, spaces or dashes.
POSTAL_CODES = {
    "US": r"\d{5}(-\d{4})?",
    "JP": r"\d{3}-?\d{4}",
    "CN": r"\d{6}",
    "DE": r"\d{5}",
    "KR": r"\d{5}",
    "MX": r"\d{5}",
    "BR": r"\d{5}-?\d{3}",
    "CL": r"\d{7}",
    "FR": r"\d{5}",
    "GB": r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}",
    "CA": r"[A-Z]\d[A-Z] ?\d[A-Z]\d",
    "AU": r"\d{4}",
}


def shipping_address_clean(address: dict) -> dict:
    """Validates a shipping address a buyer sent: name, lines, city, country (ISO), postal code
    by country. Every problem is named at once, under `shipping_address.<field>`."""
    errors = {}
    country = str(address.get("country", "")).upper()
    if country not in countries:
        errors["shipping_address.country"] = [("required", "A valid ISO 3166 country code is required.")]
    for field in ("name", "city"):
        if not str(address.get(field, "")).strip():
            errors[f"shipping_address.{field}"] = [("required", f"The {field} is required.")]
    lines = address.get("lines")
    if not isinstance(lines, list) or not lines or not all(isinstance(x, str) and x.strip() for x in lines):
        errors["shipping_address.lines"] = [("required", "At least one address line is required.")]
    postal = str(address.get("postal_code", "")).strip().upper()
    pattern = POSTAL_CODES.get(country, r"[A-Z0-9 -]{2,10}")
    if (country in POSTAL_CODES or postal) and not re.fullmatch(pattern, postal):
        errors["shipping_address.postal_code"] = [("invalid_postal_code", f"Not a valid postal code for {country}.")]
    if errors:
        raise InvalidInput("The shipping address is incomplete.", fields=errors)
    return {
        "name": address["name"].strip(),
        "lines": [x.strip() for x in lines],
        "city": address["city"].strip(),
        "postal_code": postal,
        "country": country,
        "phone": str(address.get("phone", ""))[:30],
    }


def channel_address_normalise(address: dict) -> dict:
    """The same shape from an outside marketplace's address, which is taken as the channel sent
    it (the channel validated it for its own carrier)."""
    lines = address.get("lines") or [address.get(k) for k in ("line1", "line2", "address1", "address2")]
    return {
        "name": str(address.get("name") or address.get("recipient") or ""),
        "lines": [str(line) for line in lines if line],
        "city": str(address.get("city") or ""),
        "postal_code": str(address.get("postal_code") or address.get("zip") or ""),
        "country": str(address.get("country") or "").upper(),
    }
