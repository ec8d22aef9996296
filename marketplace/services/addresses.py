"""Postal addresses as orders, checkouts and quotes keep them: validated once, stored as plain
JSON (`name`, `lines`, `city`, `postal_code`, `country`, `phone`), and buyers' address books."""

import re

from django.db import transaction
from django_countries import countries

from core.errors import InvalidInput
from marketplace.models import BuyerAddress

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


def shipping_address_clean(address: dict, attr: str = "shipping_address") -> dict:
    """Validates an address a buyer sent: name, lines, city, country (ISO), postal code by
    country. Every problem is named at once, under `<attr>.<field>` (`shipping_address.city`)."""
    errors = {}
    country = str(address.get("country", "")).upper()
    if country not in countries:
        errors[f"{attr}.country"] = [("required", "A valid ISO 3166 country code is required.")]
    for field in ("name", "city"):
        if not str(address.get(field, "")).strip():
            errors[f"{attr}.{field}"] = [("required", f"The {field} is required.")]
    lines = address.get("lines")
    if not isinstance(lines, list) or not lines or not all(isinstance(x, str) and x.strip() for x in lines):
        errors[f"{attr}.lines"] = [("required", "At least one address line is required.")]
    postal = str(address.get("postal_code", "")).strip().upper()
    pattern = POSTAL_CODES.get(country, r"[A-Z0-9 -]{2,10}")
    if (country in POSTAL_CODES or postal) and not re.fullmatch(pattern, postal):
        errors[f"{attr}.postal_code"] = [("invalid_postal_code", f"Not a valid postal code for {country}.")]
    if errors:
        raise InvalidInput(f"The {attr.replace('_', ' ')} is incomplete.", fields=errors)
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


# The address book: a buyer's own addresses, at most one the default (a partial unique index).


def _unset_default(user) -> None:
    BuyerAddress.objects.filter(user=user, is_default=True).update(is_default=False)


@transaction.atomic
def buyer_address_create(*, user, address: dict, label: str = "", is_default: bool = False) -> BuyerAddress:
    """The first address is the default; a new default replaces the old one."""
    clean = shipping_address_clean(address, attr="address")
    first = not BuyerAddress.objects.select_for_update().filter(user=user).exists()
    if is_default:
        _unset_default(user)
    return BuyerAddress.objects.create(user=user, label=label, address=clean, is_default=is_default or first)


@transaction.atomic
def buyer_address_update(*, entry: BuyerAddress, **changes) -> BuyerAddress:
    """Changes the address or its label, or makes it the default (the default is not unset
    by hand: another becomes the default instead)."""
    entry = BuyerAddress.objects.select_for_update().get(pk=entry.pk)
    if "address" in changes:
        entry.address = shipping_address_clean(changes["address"], attr="address")
    if "label" in changes:
        entry.label = changes["label"]
    if changes.get("is_default") and not entry.is_default:
        _unset_default(entry.user)
        entry.is_default = True
    elif changes.get("is_default") is False and entry.is_default:
        raise InvalidInput("Make another address the default instead.", attr="is_default")
    entry.save()
    return entry


@transaction.atomic
def buyer_address_delete(*, entry: BuyerAddress) -> None:
    """Deleting the default makes the oldest remaining address the default."""
    entry = BuyerAddress.objects.select_for_update().get(pk=entry.pk)
    entry.delete()
    if entry.is_default:
        following = BuyerAddress.objects.filter(user=entry.user).order_by("pk").first()
        if following is not None:
            following.is_default = True
            following.save(update_fields=["is_default"])


def buyer_address_resolve(*, user, address=None, address_id=None, attr: str) -> dict:
    """An address sent in full, or one of the buyer's address book by id (`<attr>_id`)."""
    if address_id is None:
        return shipping_address_clean(address, attr=attr)
    entry = None
    if user is not None and user.is_authenticated:
        entry = BuyerAddress.objects.filter(user=user, pk=address_id).first()
    if entry is None:
        raise InvalidInput("Not an address in your address book.", attr=f"{attr}_id")
    return dict(entry.address)
