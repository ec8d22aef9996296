"""Seed Korea's FTAs with the platform's first destinations (KORUS, the Korea-EU FTA, the
Korea-China FTA, RCEP) and representative preferential rates, each dated and sourced (see
docs/trade-rules.md). Data, not code: operators keep them current in the admin, adding a rate
row with a new valid_from when a staged cut takes effect."""

from datetime import date

from django.db import migrations

EU = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
    "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
]
RCEP = ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN", "AU", "CN", "JP", "KR", "NZ"]
HISTORY = date(2025, 1, 1)

AGREEMENTS = [
    {
        "code": "KORUS",
        "name": "Korea-United States Free Trade Agreement",
        "parties": ["KR", "US"],
        "in_force_from": date(2012, 3, 15),
        "proof": "statement",
        "rules_of_origin": (
            "Chapter Six: originating if wholly obtained, produced from originating materials, or meeting the "
            "product-specific rule of Annex 4-A/6-A (a change in tariff classification, some with a regional "
            "value content of 35% build-down / 55% build-up). The importer claims on a certification by the "
            "importer, exporter or producer (Art. 6.15), no prescribed form; records kept five years."
        ),
        "origin_statement": (
            "KORUS FTA origin certification (Article 6.15): the exporter {exporter} certifies that the goods on "
            "this line qualify as originating goods of Korea under the Korea-United States Free Trade Agreement."
        ),
        "source": "KORUS FTA text, Chapter Six (ustr.gov/trade-agreements/free-trade-agreements/korus-fta); "
        "19 CFR Part 10 Subpart R (CBP)",
    },
    {
        "code": "KOREU",
        "name": "EU-Korea Free Trade Agreement",
        "parties": ["KR", *EU],
        "in_force_from": date(2011, 7, 1),
        "proof": "statement",
        "rules_of_origin": (
            "Protocol concerning the definition of 'originating products': wholly obtained, or sufficiently "
            "worked per the list rules of Annex II (tariff shift or a maximum non-originating content, e.g. "
            "50% or 45% of the ex-works price). Proof is an origin declaration on the invoice (Art. 15-16): any "
            "exporter up to EUR 6,000 per consignment, an approved exporter above. Provisionally applied from "
            "2011-07-01, in force 2015-12-13."
        ),
        "origin_statement": (
            "The exporter of the products covered by this document (customs authorisation No {authorisation}) "
            "declares that, except where otherwise clearly indicated, these products are of Korea preferential "
            "origin. ({exporter})"
        ),
        "source": "EU-Korea FTA, OJ L 127 of 14.5.2011, Origin Protocol Annex III (origin declaration text); "
        "European Commission (trade.ec.europa.eu, Access2Markets)",
    },
    {
        "code": "KCFTA",
        "name": "Korea-China Free Trade Agreement",
        "parties": ["KR", "CN"],
        "in_force_from": date(2015, 12, 20),
        "proof": "certificate",
        "rules_of_origin": (
            "Chapter 3: wholly obtained, produced from originating materials, or meeting the product-specific "
            "rule of Annex 3-A (tariff shift or 40% regional value content). Proof is a certificate of origin "
            "issued by the exporting party's authority (Korea Customs Service or the KCCI) (Art. 3.15), valid "
            "one year."
        ),
        "origin_statement": "",
        "source": "Korea-China FTA text, Chapter 3 (fta.go.kr); China FTA Network (fta.mofcom.gov.cn)",
    },
    {
        "code": "RCEP",
        "name": "Regional Comprehensive Economic Partnership",
        "parties": RCEP,
        "in_force_from": date(2022, 2, 1),
        "proof": "certificate",
        "rules_of_origin": (
            "Chapter 3: wholly obtained, produced exclusively from originating materials, or meeting the "
            "product-specific rule of Annex 3A (change in tariff classification or 40% regional value "
            "content), with cumulation across the parties. Proof is a certificate of origin, or a declaration "
            "of origin by an approved exporter (Art. 3.16). In force for Korea from 2022-02-01."
        ),
        "origin_statement": "",
        "source": "RCEP Agreement, Chapter 3 (rcepsec.org); Korea Customs Service FTA portal (customs.go.kr)",
    },
]

US_SCHEDULE = (
    "KORUS Annex 2-B, Schedule of the United States (HTSUS special rate 'KR'): duties on almost all industrial "
    "goods eliminated by 2021 (year 10)"
)
EU_SCHEDULE = (
    "EU-Korea FTA Annex 2-A, EU schedule (TARIC preference for origin KR): industrial duties eliminated, the last "
    "on 2016-07-01 (year 5)"
)
# (agreement, importing country, hs_prefix, rate, valid_from, source)
RATES = [
    ("KORUS", "US", "", "0", HISTORY, US_SCHEDULE),
    ("KOREU", "DE", "", "0", HISTORY, EU_SCHEDULE),
    ("KOREU", "FR", "", "0", HISTORY, EU_SCHEDULE),
    ("KCFTA", "CN", "", "0.045", HISTORY,
     "Korea-China FTA Annex 2-A, China's schedule: representative staged rate in year 10 (2025) of the "
     "10/15/20-year categories; check the tariff line"),
    ("KCFTA", "CN", "3304", "0.016", HISTORY,
     "Korea-China FTA Annex 2-A, China's schedule, heading 3304: representative staged rate in 2025; check the "
     "tariff line"),
    ("RCEP", "CN", "", "0.06", HISTORY,
     "RCEP Annex I, China's schedule for Korea: representative staged rate in 2025; check the tariff line"),
    ("RCEP", "JP", "", "0.02", HISTORY,
     "RCEP Annex I, Japan's schedule for Korea (Japan's first tariff concessions to Korea): representative "
     "staged rate in 2025; check the tariff line"),
]


def seed(apps, schema_editor):
    TradeAgreement = apps.get_model("logistics", "TradeAgreement")
    PreferentialRate = apps.get_model("logistics", "PreferentialRate")
    agreements = {}
    for fields in AGREEMENTS:
        agreements[fields["code"]], _ = TradeAgreement.objects.get_or_create(code=fields["code"], defaults=fields)
    for code, country, prefix, rate, valid_from, source in RATES:
        PreferentialRate.objects.get_or_create(
            agreement=agreements[code],
            country=country,
            hs_prefix=prefix,
            valid_from=valid_from,
            defaults={"rate": rate, "source": source},
        )


def unseed(apps, schema_editor):
    TradeAgreement = apps.get_model("logistics", "TradeAgreement")
    PreferentialRate = apps.get_model("logistics", "PreferentialRate")
    codes = [fields["code"] for fields in AGREEMENTS]
    PreferentialRate.objects.filter(agreement__code__in=codes).delete()
    TradeAgreement.objects.filter(code__in=codes, qualifications__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("logistics", "0006_fta_preferences")]

    operations = [migrations.RunPython(seed, unseed)]
