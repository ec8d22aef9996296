"""Readiness: one answer per product and channel (the channel fixes locales and destination),
combining listings completeness, the connector's dry run, customs and brand conformity. Every
blocking issue is listed with a code that means the same on every channel."""

from dataclasses import asdict, dataclass

from brands.models import QualityStandard
from integrations.connectors.base import Connector, ListingData
from integrations.models import Channel
from integrations.selectors import ProductFacts
from listings.models import Inspection, Product
from listings.services import missing_items_of
from listings.validation import FieldErrors
from logistics.models import RestrictedGood
from logistics.services import restricted_goods_check


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # error | warning
    attribute: str
    message: str
    source: str  # listing | channel | customs | brand

    @property
    def blocking(self) -> bool:
        return self.severity == "error"


def listing_missing_items(facts: ProductFacts, data: ListingData) -> FieldErrors:
    """product_missing_items of the product these rows were read from, without its instance."""
    return missing_items_of(
        mode=data.mode,
        retail_price=data.retail_price,
        moq=data.moq,
        hs_code=data.hs_code,
        origin_country=data.origin_country,
        attributes=data.attributes,
        attribute_schema=facts.attribute_schema,
        texts={locale: (title, data.descriptions[locale]) for locale, title in data.titles.items()},
        price_tiers=data.tiers,
        media=data.image_urls,
        variants=list(facts.variants),
    )


def _completeness(facts: ProductFacts, data: ListingData) -> list[Finding]:
    findings = []
    if facts.status != Product.Status.PUBLISHED:
        findings.append(
            Finding("not_published", "error", "status", f"The product is {facts.status}, not published.", "listing")
        )
    for attr, problems in listing_missing_items(facts, data).items():
        for code, message in problems:
            if attr.startswith("translations."):
                code = "missing_locale"
            elif code == "missing" and attr not in ("hs_code", "origin_country"):
                code = "missing_attribute"
            if attr in ("hs_code", "origin_country"):
                continue  # reported once, by the customs check
            findings.append(Finding(code, "error", attr, message, "listing"))
    return findings


def _customs(data: ListingData, channel: Channel, restrictions: dict[str, tuple[str, str]]) -> list[Finding]:
    findings = []
    if not data.hs_code:
        findings.append(
            Finding("missing_hs_code", "error", "hs_code", "An HS code is required for customs.", "customs")
        )
    if not data.origin_country:
        findings.append(
            Finding("missing_origin", "error", "origin_country", "The country of origin is required.", "customs")
        )
    found = restrictions.get(data.hs_code)
    if found:
        restriction, reason = found
        code = "restricted_goods" if restriction == RestrictedGood.Restriction.PROHIBITED else "licence_required"
        findings.append(Finding(code, "error", "hs_code", f"{channel.destination_country}: {reason}", "customs"))
    return findings


def _brand_standing(products: list[ProductFacts]) -> set[int]:
    """Ids of brand products without a passed inspection against their brand's current standard."""
    brand_ids = {p.brand_id for p in products if p.brand_id}
    if not brand_ids:
        return set()
    current: dict[int, int] = {}
    for standard in QualityStandard.objects.filter(brand_id__in=brand_ids).order_by("brand_id", "-version"):
        current.setdefault(standard.brand_id, standard.pk)
    passed = set(
        Inspection.objects.filter(
            product_id__in=[p.pk for p in products if p.brand_id],
            standard_id__in=current.values(),
            outcome=Inspection.Outcome.PASSED,
        ).values_list("product_id", "standard_id")
    )
    return {p.pk for p in products if p.brand_id and (p.pk, current.get(p.brand_id)) not in passed}


def readiness_evaluate(
    *, channel: Channel, connector: Connector, pairs: list[tuple[ProductFacts, ListingData]]
) -> dict[int, list[Finding]]:
    """Findings per product id, from the plain rows integrations.selectors.listing_data_list
    reads: a fixed number of queries for any number."""
    hs_codes = [data.hs_code for _, data in pairs if data.hs_code]
    restrictions = {}
    if hs_codes and channel.destination_country:
        restrictions = {
            r.hs_code: (r.restriction, r.reason)
            for r in restricted_goods_check(destination_country=str(channel.destination_country), hs_codes=hs_codes)
        }
    uninspected = _brand_standing([facts for facts, _ in pairs])
    verdicts = {}
    for facts, data in pairs:
        findings = _completeness(facts, data)
        findings += [Finding(i.code, i.severity, i.attribute, i.message, "channel") for i in connector.validate(data)]
        findings += _customs(data, channel, restrictions)
        if facts.pk in uninspected:
            findings.append(
                Finding(
                    "inspection_required",
                    "error",
                    "brand",
                    f"No passed inspection against {data.brand}'s current quality standard.",
                    "brand",
                )
            )
        seen, unique = set(), []
        for finding in findings:
            key = (finding.code, finding.attribute, finding.source)
            if key not in seen:
                seen.add(key)
                unique.append(finding)
        verdicts[facts.pk] = unique
    return verdicts


def findings_as_json(findings: list[Finding]) -> list[dict]:
    return [asdict(f) for f in findings]


def blocking_codes(findings) -> str:
    """ ",code,code," for the listing's LIKE filter; findings may be Finding objects or dicts."""
    codes = sorted(
        {
            (f["code"] if isinstance(f, dict) else f.code)
            for f in findings
            if (f["severity"] if isinstance(f, dict) else f.severity) == "error"
        }
    )
    return f",{','.join(codes)}," if codes else ""


def product_readiness(*, product_id: int) -> dict:
    """The per-product summary: for every active channel (its locales and destination), ready or
    not and every blocking issue. Computed now, from the product as it is."""
    from integrations.models import ChannelListing
    from integrations.selectors import channel_connector, channel_list, listing_data_list

    pairs = listing_data_list([product_id])
    statuses = dict(ChannelListing.objects.filter(product_id=product_id).values_list("channel_id", "status"))
    channels = []
    for channel in channel_list():
        try:
            connector = channel_connector(channel)
        except KeyError:
            findings = [
                Finding("connector_missing", "error", "channel", f"No connector for {channel.code}.", "channel")
            ]
        else:
            findings = readiness_evaluate(channel=channel, connector=connector, pairs=pairs)[product_id]
        as_json = findings_as_json(findings)
        channels.append(
            {
                "channel": channel.code,
                "channel_name": channel.name,
                "destination_country": str(channel.destination_country),
                "locales": list(channel.locales or []),
                "ready": not any(f.blocking for f in findings),
                "blocking_issue_codes": [c for c in blocking_codes(as_json).split(",") if c],
                "issues": as_json,
                "listing_status": statuses.get(channel.pk),
            }
        )
    return {"product": product_id, "ready_everywhere": all(c["ready"] for c in channels), "channels": channels}
