"""Customs: duty and tax estimates from dated rules (longest HS prefix, de minimis in the rule's
currency, rule versions recorded), restricted goods, export consignments (a brand's consolidated
ones too) and their declarations draft -> submitted -> cleared | held -> released, with the
commercial invoice and CN23 rendered into storage and read back."""

import io
import itertools
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from brands.models import Membership
from core.errors import InvalidInput, NotPermitted, WrongState
from core.money import Money
from listings.models import Product, Variant
from logistics.models import (
    Consignment,
    CustomsDeclaration,
    DutyRule,
    Reservation,
    RestrictedGood,
    Shipment,
    Stock,
    TaxRule,
)
from logistics.services import (
    GoodsLine,
    InsufficientStock,
    RestrictedGoods,
    TradeRulesMissing,
    consignment_cancel,
    consignment_create,
    consignment_dispatch,
    declaration_clear,
    declaration_create,
    declaration_hold,
    declaration_release,
    declaration_submit,
    duties_estimate,
    restricted_goods_check,
)
from tests.factories import OperatorFactory, active_brand, company_with_owner, owner_of, product
from tests.logistics.helpers import assert_ledger_balanced, network, receive

pytestmark = pytest.mark.django_db

D = CustomsDeclaration.Status
DECLARATIONS = "/api/v1/customs-declarations/"
CONSIGNMENTS = "/api/v1/consignments/"
_n = itertools.count(1)


def goods(company, *, hs_code="940540", origin="KR", title=None, weight="0.800", stock=50, brand=None, **variant):
    """A variant of a new product of the company (English title, HS code, origin, weight), with
    `stock` units on hand at the ICN consolidation hub."""
    n = next(_n)
    title = title or f"Hanji mood lamp {n}"
    item = product(
        company,
        with_image=False,
        brand=brand,
        hs_code=hs_code,
        origin_country=origin,
        translations={"en": {"title": title, "description": "Hand-made."}, "ko": {"title": f"한지 {n}"}},
        variants=[{"sku": f"CU-{n}", "weight_kg": Decimal(weight), **variant}],
    )
    found = item.variants.get()
    if stock:
        receive(found, network()["icn"], stock)
    return found


def consign(variants, *, actor=None, exporter=None, brand=None, destination="JP", incoterm="DAP", quantity=2, **kw):
    return consignment_create(
        actor=actor or OperatorFactory(),
        exporter=exporter or (None if brand else variants[0].product.company),
        brand=brand,
        warehouse=network()["icn"],
        destination_country=destination,
        importer_name="Tokyo Zakka K.K.",
        importer_address="1-2-3 Jingumae, Shibuya-ku, Tokyo 150-0001",
        incoterm=incoterm,
        lines=[
            {
                "variant": variant,
                "quantity": quantity,
                "unit_value": Decimal(kw.get("unit_value", "100.00")),
                "currency": kw.get("currency", "USD"),
            }
            for variant in variants
        ],
    )


def declaration_in(status, *, operator=None, company=None, destination="JP"):
    """A declaration of one line of a new product, taken through the services to `status`."""
    operator = operator or OperatorFactory()
    variant = goods(company or company_with_owner())
    declaration, _ = declaration_create(
        consignment=consign([variant], actor=operator, destination=destination), actor=operator
    )
    steps = {
        D.SUBMITTED: [declaration_submit],
        D.CLEARED: [declaration_submit, declaration_clear],
        D.HELD: [declaration_submit, lambda **kw: declaration_hold(reason="Invoice value queried.", **kw)],
        D.RELEASED: [
            declaration_submit,
            lambda **kw: declaration_hold(reason="Invoice value queried.", **kw),
            declaration_release,
        ],
    }
    for step in steps.get(status, []):
        declaration = step(declaration=declaration, actor=operator)
    assert declaration.status == status
    return declaration


def pdf_text(file) -> str:
    with file.open("rb") as stored:
        reader = PdfReader(io.BytesIO(stored.read()))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def attrs(response) -> set:
    body = response.json()
    assert set(body) == {"type", "errors"}, body
    return {error["attr"] for error in body["errors"]}


def usd(amount) -> Money:
    return Money(Decimal(amount), "USD")


# --- duties and taxes -------------------------------------------------------------------------


def test_the_longest_matching_hs_prefix_wins_and_the_default_rate_catches_the_rest():
    TaxRule.objects.create(
        country="NZ", valid_from=date(2025, 1, 1), tax_name="GST", tax_rate=Decimal("0.10"), currency="AUD", source="t"
    )
    rows = {
        prefix: DutyRule.objects.create(
            country="NZ", hs_prefix=prefix, rate=Decimal(rate), valid_from=date(2025, 1, 1), source="t"
        )
        for prefix, rate in (("", "0.05"), ("94", "0.04"), ("9405", "0.03"), ("940540", "0"))
    }
    newer = DutyRule.objects.create(
        country="NZ", hs_prefix="9405", rate=Decimal("0.02"), valid_from=date(2025, 6, 1), source="t"
    )
    lines = [
        GoodsLine(code, "KR", 1, Money(Decimal("100"), "AUD")) for code in ("940540", "940510", "940110", "610910")
    ]

    before = duties_estimate(destination_country="NZ", lines=lines, currency="AUD", on=date(2025, 5, 31))
    after = duties_estimate(destination_country="nz", lines=lines, currency="AUD", on=date(2025, 6, 1))

    assert before.line_rates == (Decimal("0"), Decimal("0.03"), Decimal("0.04"), Decimal("0.05"))
    assert after.line_rates == (Decimal("0"), Decimal("0.02"), Decimal("0.04"), Decimal("0.05"))
    assert [line["id"] for line in after.rule_versions["duty_rules"].values()] == [
        rows["940540"].pk,
        newer.pk,
        rows["94"].pk,
        rows[""].pk,
    ]
    assert after.rule_versions["duty_rules"]["line 2"] == {
        "id": newer.pk,
        "hs_prefix": "9405",
        "valid_from": "2025-06-01",
        "rate": "0.0200",
    }
    assert after.duty == Money(Decimal("11.00"), "AUD")  # 0 + 2 + 4 + 5
    assert after.tax == Money(Decimal("41.10"), "AUD")  # 10% of 400 + 11


def test_the_us_de_minimis_applies_on_2025_08_28_and_not_from_its_suspension_on_2025_08_29():
    lamp = [GoodsLine("940540", "KR", 1, usd("120.00"))]

    before = duties_estimate(destination_country="US", lines=lamp, currency="USD", on=date(2025, 8, 28))
    after = duties_estimate(destination_country="US", lines=lamp, currency="USD", on=date(2025, 8, 29))

    assert (before.duty, before.duty_de_minimis_applied) == (usd("0.00"), True)
    assert (after.duty, after.duty_de_minimis_applied) == (usd("4.68"), False)  # 3.9% of 120
    assert before.tax == after.tax == usd("0.00")
    assert before.rule_versions["tax_rule"]["valid_from"] == "2016-03-10"
    assert before.rule_versions["tax_rule"]["duty_de_minimis"] == "800.00"
    assert after.rule_versions["tax_rule"]["valid_from"] == "2025-08-29"
    assert after.rule_versions["tax_rule"]["id"] != before.rule_versions["tax_rule"]["id"]
    assert after.rule_versions["duty_rules"]["line 1"]["hs_prefix"] == "9405"
    assert after.rule_versions["valid_on"] == "2025-08-29"


def test_de_minimis_thresholds_are_compared_in_the_rules_currency_after_conversion():
    # Japan: JPY 10,000 for duty and consumption tax; seeded rate 1 USD = 150 JPY = 1380 KRW.
    shirt = "610910"  # knitted: 10.9% in Japan
    under = duties_estimate(destination_country="JP", lines=[GoodsLine(shirt, "KR", 1, usd("60"))], currency="USD")
    over = duties_estimate(destination_country="JP", lines=[GoodsLine(shirt, "KR", 1, usd("70"))], currency="USD")
    assert under.threshold_value == Money(Decimal("9000"), "JPY")
    assert (under.duty, under.tax, under.duty_de_minimis_applied, under.tax_de_minimis_applied) == (
        usd("0.00"),
        usd("0.00"),
        True,
        True,
    )
    assert over.rule_versions["threshold_value"] == {"amount": "10500", "currency": "JPY"}
    assert (over.duty, over.tax) == (usd("7.63"), usd("7.76"))  # 10% of 70 + 7.63, rounded

    krw = [GoodsLine(shirt, "KR", 1, Money(Decimal("90000"), "KRW"))]  # JPY 9,783
    assert duties_estimate(destination_country="JP", lines=krw, currency="KRW").total == Money(Decimal("0"), "KRW")
    krw = [GoodsLine(shirt, "KR", 1, Money(Decimal("100000"), "KRW"))]  # JPY 10,870
    estimate = duties_estimate(destination_country="JP", lines=krw, currency="KRW")
    assert (estimate.duty, estimate.tax) == (Money(Decimal("10900"), "KRW"), Money(Decimal("11090"), "KRW"))

    # Germany: duty relief to EUR 150 but VAT from the first cent; the relief ended on 2026-07-01.
    # At EUR 92 the consignment is within IOSS: VAT is charged at sale on the goods, not on the duty.
    lamp = [GoodsLine("940540", "KR", 1, usd("100"))]  # EUR 92
    relief = duties_estimate(destination_country="DE", lines=lamp, currency="USD", on=date(2026, 6, 30))
    assert (relief.duty, relief.tax, relief.tax_de_minimis_applied) == (usd("0.00"), usd("19.00"), False)
    ended = duties_estimate(destination_country="DE", lines=lamp, currency="USD", on=date(2026, 7, 1))
    assert (ended.duty, ended.tax, ended.tax_scheme.code) == (usd("4.70"), usd("19.00"), "EU-IOSS")
    lamps = [GoodsLine("940540", "KR", 2, usd("100"))]  # EUR 184: import VAT on value plus duty
    ended = duties_estimate(destination_country="DE", lines=lamps, currency="USD", on=date(2026, 7, 1))
    assert (ended.duty, ended.tax, ended.tax_scheme) == (usd("9.40"), usd("39.79"), None)


def test_a_destination_without_rules_is_named_not_guessed(api, user):
    with pytest.raises(TradeRulesMissing):
        duties_estimate(destination_country="ZA", lines=[GoodsLine("940540", "KR", 1, usd("10"))], currency="USD")
    response = api.as_user(user).get(
        "/api/v1/duty-estimate/", {"destination": "ZA", "currency": "USD", "hs_code": "940540", "value": "10"}
    )
    assert response.status_code == 422


def test_the_duty_estimate_endpoint_answers_any_user_and_names_restrictions(api, user):
    query = {"destination": "JP", "currency": "USD", "hs_code": "940540", "value": "120.00", "quantity": 2}
    assert api.get("/api/v1/duty-estimate/", {**query, "origin": "KR"}).status_code == 401
    body = api.as_user(user).get("/api/v1/duty-estimate/", {**query, "origin": "KR"}).json()
    assert body["goods_value"] == {"amount": "240.00", "currency": "USD"}
    assert body["duty"] == {"amount": "0.00", "currency": "USD"}  # lamps are free in Japan
    assert body["tax"] == {"amount": "24.00", "currency": "USD"}  # JPY 36,000 is over JPY 10,000
    assert body["lines"][0]["hs_prefix"] == "9405" and body["restrictions"] == []
    assert body["rule_versions"]["tax_rule"]["tax_name"] == "Consumption tax"

    cosmetics = api.get(
        "/api/v1/duty-estimate/",
        {"destination": "CN", "currency": "USD", "hs_code": ["330499", "940540"], "value": ["30", "50"]},
    ).json()
    assert [r["hs_code"] for r in cosmetics["restrictions"]] == ["330499"]
    assert "NMPA" in cosmetics["restrictions"][0]["reason"]

    mismatched = api.get("/api/v1/duty-estimate/", {**query, "value": ["1", "2"]})
    assert mismatched.status_code == 400 and attrs(mismatched) == {"value"}
    assert api.get("/api/v1/duty-estimate/", {**query, "currency": "XYZ"}).status_code == 400


def test_restricted_goods_are_checked_by_prefix_and_a_prohibition_wins():
    RestrictedGood.objects.create(country="AU", hs_prefix="08", restriction="licence", reason="Needs a permit.")
    RestrictedGood.objects.create(country="AU", hs_prefix="0810", restriction="prohibited", reason="Berries barred.")
    found = restricted_goods_check(destination_country="AU", hs_codes=["081010", "080510", "940540", "081010", ""])
    assert found == [("081010", "prohibited", "Berries barred."), ("080510", "licence", "Needs a permit.")]
    assert restricted_goods_check(destination_country="JP", hs_codes=["330499"]) == []


# --- consignments -----------------------------------------------------------------------------


def test_a_consignment_reserves_its_stock_at_its_warehouse_and_cancelling_releases_it(operator):
    variant = goods(company_with_owner())
    consignment = consign([variant], actor=operator, quantity=5)
    assert consignment.reference == f"consignment:{consignment.pk}"
    reservation = Reservation.objects.get(reference=consignment.reference)
    assert [(line.stock.warehouse.code, line.quantity) for line in reservation.lines.all()] == [("icn-hub", 5)]
    assert consignment.lines.get().manufacturer == variant.product.company

    consignment_cancel(consignment=consignment, actor=operator)
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.RELEASED
    assert Stock.objects.get(variant=variant, warehouse=network()["icn"]).reserved == 0
    assert_ledger_balanced()


def test_a_consignment_takes_stock_from_its_own_warehouse_whatever_the_routes(operator):
    variant = goods(company_with_owner())
    receive(variant, network()["lax"], 10)  # the US route would prefer the Los Angeles DC
    consignment = consign([variant], actor=operator, destination="US", quantity=3)
    reservation = Reservation.objects.get(reference=consignment.reference)
    assert [(line.stock.warehouse.code, line.quantity) for line in reservation.lines.all()] == [("icn-hub", 3)]
    with pytest.raises(InsufficientStock):
        consign([variant], actor=operator, quantity=51)  # 47 left at the hub; the DC's stock is not taken
    assert Stock.objects.get(variant=variant, warehouse=network()["lax"]).reserved == 0
    assert_ledger_balanced()


def test_only_operators_and_the_brand_leads_owners_create_consignments(api):
    brand = active_brand(4)
    member = brand.memberships.filter(role=Membership.Role.MEMBER).first().company
    variant = goods(member, brand=brand)
    with pytest.raises(NotPermitted):
        consign([variant], actor=owner_of(member), brand=brand)
    with pytest.raises(NotPermitted):
        consign([variant], actor=owner_of(member))  # its own goods, but no brand: operators only
    body = {
        "brand": brand.pk,
        "warehouse": network()["icn"].pk,
        "destination_country": "JP",
        "importer_name": "Tokyo Zakka K.K.",
        "importer_address": "Tokyo",
        "incoterm": "DDP",
        "lines": [{"variant": variant.pk, "quantity": 1, "unit_value": {"amount": "10.00", "currency": "USD"}}],
    }
    assert api.as_user(owner_of(member)).post(CONSIGNMENTS, body).status_code == 403
    outsider_goods = goods(company_with_owner())
    response = api.as_user(owner_of(brand.lead_company)).post(
        CONSIGNMENTS, {**body, "lines": [{**body["lines"][0], "variant": outsider_goods.pk}]}
    )
    assert response.status_code == 400 and attrs(response) == {"lines.0.variant"}
    assert response.json()["errors"][0]["code"] == "not_a_member"


# --- declarations -----------------------------------------------------------------------------


def test_a_consolidated_brand_consignment_keeps_each_members_goods_and_ships_under_the_brand(api, operator):
    brand = active_brand(4)
    lead = brand.lead_company
    members = [m.company for m in brand.memberships.filter(role=Membership.Role.MEMBER).order_by("pk")[:3]]
    lamp = goods(members[0], brand=brand, hs_code="940540", origin="KR", title="Hanji mood lamp")
    tea = goods(members[1], brand=brand, hs_code="090210", origin="KR", title="Jeju green tea, 80 g")
    # The variant's HS code and origin override the product's.
    cup = goods(members[2], brand=brand, hs_code="691200", origin="KR", title="Celadon cup", origin_country="CN")
    Variant.objects.filter(pk=cup.pk).update(hs_code="6912001000")
    lead_owner = owner_of(lead)
    body = {
        "brand": brand.pk,
        "warehouse": network()["icn"].pk,
        "destination_country": "JP",
        "importer_name": "Tokyo Zakka K.K.",
        "importer_address": "1-2-3 Jingumae, Shibuya-ku, Tokyo",
        "incoterm": "DDP",
        "lines": [
            {"variant": v.pk, "quantity": 4, "unit_value": {"amount": price, "currency": "USD"}}
            for v, price in ((lamp, "60.00"), (tea, "12.50"), (cup, "25.00"))
        ],
    }
    created = api.as_user(lead_owner).post(CONSIGNMENTS, body)
    assert created.status_code == 201, created.content
    consignment = Consignment.objects.get(pk=created.json()["id"])
    assert consignment.exporter == lead and consignment.brand == brand
    assert [line["manufacturer"] for line in created.json()["lines"]] == [m.pk for m in members]

    declared = api.post(f"{CONSIGNMENTS}{consignment.pk}/declare/")
    assert declared.status_code == 201, declared.content
    body = declared.json()
    assert body["exporter"] == lead.pk
    assert body["exporter_name"] == f"{brand.name} (consolidated by {lead.legal_name})"
    assert body["incoterm"] == "DDP"
    assert [(line["manufacturer"], line["hs_code"], line["origin_country"]) for line in body["lines"]] == [
        (members[0].pk, "940540", "KR"),
        (members[1].pk, "090210", "KR"),
        (members[2].pk, "6912001000", "CN"),
    ]
    assert [line["description"] for line in body["lines"]] == ["Hanji mood lamp", "Jeju green tea, 80 g", "Celadon cup"]
    assert body["lines"][0]["net_weight_kg"] == "3.200" and body["lines"][0]["gross_weight_kg"] == "3.520"
    assert body["goods_value"] == {"amount": "390.00", "currency": "USD"}
    assert body["lines"][1]["duty_rate"] == "0.1700"  # green tea in Japan
    assert body["duty"] == {"amount": "12.50", "currency": "USD"}  # 17% of 50 (tea) + 4% of 100 (cups); lamps free
    assert set(body["rule_versions"]["duty_rules"]) == {"line 1", "line 2", "line 3"}

    # Each member reads the declaration carrying its goods; outsiders get a 404.
    assert api.as_user(owner_of(members[1])).get(f"{DECLARATIONS}{body['id']}/").status_code == 200
    assert api.as_user(owner_of(company_with_owner())).get(f"{DECLARATIONS}{body['id']}/").status_code == 404

    api.as_user(operator)
    assert api.post(f"{DECLARATIONS}{body['id']}/submit/").status_code == 200
    assert api.post(f"{DECLARATIONS}{body['id']}/clear/").status_code == 200
    dispatched = api.post(f"{CONSIGNMENTS}{consignment.pk}/dispatch/", {"carrier": "Sagawa", "tracking_number": "SG1"})
    assert dispatched.status_code == 201, dispatched.content
    assert dispatched.json()["status"] == "dispatched"
    shipment = Shipment.objects.get(consignment=consignment)
    assert CustomsDeclaration.objects.get(pk=body["id"]).shipment == shipment
    assert Reservation.objects.get(reference=consignment.reference).status == Reservation.Status.CONSUMED
    for variant in (lamp, tea, cup):
        assert Stock.objects.get(variant=variant, warehouse=network()["icn"]).on_hand == 46
    assert_ledger_balanced()


def test_ddp_and_dap_are_carried_on_the_declaration_and_its_documents(operator):
    for incoterm in ("DDP", "DAP"):
        consignment = consign([goods(company_with_owner())], actor=operator, incoterm=incoterm)
        declaration, created = declaration_create(consignment=consignment, actor=operator)
        assert created and declaration.incoterm == incoterm
        declaration = declaration_submit(declaration=declaration, actor=operator)
        payer = "the exporter (DDP)" if incoterm == "DDP" else "the importer (DAP)"
        for document in (declaration.commercial_invoice, declaration.cn23):
            text = pdf_text(document)
            assert f"Incoterm {incoterm}" in text and payer in text


def test_the_documents_are_stored_through_s3_and_list_every_declared_line(api, operator, s3_storage):
    company = company_with_owner()
    lines = [
        goods(company, hs_code="940540", title="Hanji mood lamp, oak base"),
        goods(company, hs_code="482390", title="Mulberry paper notebook"),
        goods(company, hs_code="420221", title="Leather tote bag, indigo"),
    ]
    declaration, _ = declaration_create(consignment=consign(lines, actor=operator), actor=operator)
    declaration = declaration_submit(declaration=declaration, actor=operator)

    for document in (declaration.commercial_invoice, declaration.cn23):
        assert document.name.startswith("customs/") and s3_storage.exists(document.name)
        text = pdf_text(document)
        for line in declaration.lines.all():
            assert line.description in text and line.hs_code in text
        assert declaration.exporter_name in text and "Tokyo Zakka K.K." in text
    assert "COMMERCIAL INVOICE" in pdf_text(declaration.commercial_invoice)
    assert "CUSTOMS DECLARATION CN 23" in pdf_text(declaration.cn23)
    assert company.legal_name in pdf_text(declaration.commercial_invoice)  # the manufacturer column

    documents = api.as_user(owner_of(company)).get(f"{DECLARATIONS}{declaration.pk}/").json()["documents"]
    for url in documents.values():
        assert url.startswith(s3_storage.endpoint_url) and s3_storage.bucket_name in url


def test_submission_lists_every_missing_hs_code_and_weight_and_a_rebuilt_draft_passes(api, operator):
    company = company_with_owner()
    no_code = goods(company, title="Unclassified lamp")
    no_weight = goods(company, title="Weightless tea")
    Product.objects.filter(pk=no_code.product_id).update(hs_code="")
    Variant.objects.filter(pk=no_weight.pk).update(weight_kg=None)
    consignment = consign([no_code, no_weight], actor=operator)
    declaration, _ = declaration_create(consignment=consignment, actor=operator)

    response = api.as_user(operator).post(f"{DECLARATIONS}{declaration.pk}/submit/")
    assert response.status_code == 400
    assert attrs(response) == {"lines.0.hs_code", "lines.1.net_weight_kg", "lines.1.gross_weight_kg"}
    assert any("Unclassified lamp" in error["detail"] for error in response.json()["errors"])
    declaration.refresh_from_db()
    assert declaration.status == D.DRAFT and not declaration.commercial_invoice and not declaration.cn23

    # The SME fixes its listings; declaring again rebuilds the draft, which then passes.
    Product.objects.filter(pk=no_code.product_id).update(hs_code="940540")
    Variant.objects.filter(pk=no_weight.pk).update(weight_kg=Decimal("0.080"))
    rebuilt = api.post(f"{CONSIGNMENTS}{consignment.pk}/declare/")
    assert rebuilt.status_code == 200 and rebuilt.json()["id"] == declaration.pk
    submitted = api.post(f"{DECLARATIONS}{declaration.pk}/submit/")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted" and all(submitted.json()["documents"].values())


def test_the_totals_must_match_the_consignment(operator):
    consignment = consign([goods(company_with_owner())], actor=operator, quantity=3)
    declaration, _ = declaration_create(consignment=consignment, actor=operator)
    declaration.lines.update(quantity=2)
    with pytest.raises(InvalidInput) as refused:
        declaration_submit(declaration=declaration, actor=operator)
    assert set(refused.value.fields) == {"totals"}
    assert {code for code, _ in refused.value.fields["totals"]} == {"quantity_mismatch", "value_mismatch"}


def test_restricted_goods_refuse_the_declaration_with_the_reason_per_line(api, operator):
    company = company_with_owner()
    cushion = goods(company, hs_code="330499", title="Cushion compact SPF 50")
    lamp = goods(company, hs_code="940540")
    declaration, _ = declaration_create(consignment=consign([lamp, cushion], destination="CN"), actor=operator)
    with pytest.raises(RestrictedGoods) as refused:
        declaration_submit(declaration=declaration, actor=operator)
    assert [code for code, _ in refused.value.reasons] == ["licence_required"]
    assert "Line 2 (HS 330499, Cushion compact SPF 50)" in refused.value.reasons[0][1]

    response = api.as_user(operator).post(f"{DECLARATIONS}{declaration.pk}/submit/")
    assert response.status_code == 409
    (error,) = response.json()["errors"]
    assert error["code"] == "licence_required" and "NMPA" in error["detail"]
    declaration.refresh_from_db()
    assert declaration.status == D.DRAFT

    fruit = goods(company, hs_code="081010", title="Fresh strawberries")
    chile, _ = declaration_create(consignment=consign([fruit], destination="CL"), actor=operator)
    with pytest.raises(RestrictedGoods) as refused:
        declaration_submit(declaration=chile, actor=operator)
    assert [code for code, _ in refused.value.reasons] == ["prohibited"]


TRANSITIONS = {
    "submit": (declaration_submit, {D.DRAFT}),
    "clear": (declaration_clear, {D.SUBMITTED}),
    "hold": (lambda **kw: declaration_hold(reason="Sample requested.", **kw), {D.SUBMITTED}),
    "release": (declaration_release, {D.HELD}),
}


def test_every_transition_from_every_wrong_state_is_refused_and_changes_nothing(api, operator):
    company = company_with_owner()
    declarations = {status: declaration_in(status, operator=operator, company=company) for status in D.values}
    for name, (transition, allowed) in TRANSITIONS.items():
        for status in set(D.values) - allowed:
            declaration = declarations[status]
            with pytest.raises(WrongState):
                transition(declaration=declaration, actor=operator)
            declaration.refresh_from_db()
            assert declaration.status == status, (name, status)
    # The same through the API, with the one error shape.
    api.as_user(operator)
    for status in (D.CLEARED, D.RELEASED):
        response = api.post(f"{DECLARATIONS}{declarations[status].pk}/hold/", {"reason": "Again."})
        assert response.status_code == 409 and response.json()["errors"][0]["code"] == "wrong_state"
    # A consignment leaves only once cleared or released, and is declared again only in draft.
    for status in (D.DRAFT, D.SUBMITTED, D.HELD):
        consignment = declarations[status].consignment
        with pytest.raises(WrongState):
            consignment_dispatch(consignment=consignment, actor=operator, carrier="DHL", tracking_number=f"X{status}")
        if status != D.DRAFT:
            with pytest.raises(WrongState):
                declaration_create(consignment=consignment, actor=operator)
            with pytest.raises(WrongState):
                consignment_cancel(consignment=consignment, actor=operator)
    released = declarations[D.RELEASED]
    assert released.hold_reason == "Invoice value queried." and released.decided_at and released.submitted_at
    shipment = consignment_dispatch(
        consignment=released.consignment, actor=operator, carrier="DHL", tracking_number="DHL-REL"
    )
    assert shipment.consignment == released.consignment
    with pytest.raises(WrongState):
        consignment_dispatch(consignment=released.consignment, actor=operator, carrier="DHL", tracking_number="DHL-2")
    assert_ledger_balanced()


def test_a_hold_needs_a_reason(api, operator):
    declaration = declaration_in(D.SUBMITTED, operator=operator)
    response = api.as_user(operator).post(f"{DECLARATIONS}{declaration.pk}/hold/", {"reason": ""})
    assert response.status_code == 400 and attrs(response) == {"reason"}
    held = api.post(f"{DECLARATIONS}{declaration.pk}/hold/", {"reason": "Physical inspection."}).json()
    assert (held["status"], held["hold_reason"]) == ("held", "Physical inspection.")


def test_smes_read_their_own_declarations_operator_steps_are_403_and_others_404(api, operator):
    company = company_with_owner()
    declaration = declaration_in(D.DRAFT, operator=operator, company=company)
    other = declaration_in(D.DRAFT, operator=operator)
    owner = owner_of(company)
    api.as_user(owner)
    assert [row["id"] for row in api.get(DECLARATIONS).json()["results"]] == [declaration.pk]
    assert api.get(f"{DECLARATIONS}{declaration.pk}/").status_code == 200
    assert api.get(f"{DECLARATIONS}{other.pk}/").status_code == 404
    for step in ("submit", "clear", "release"):
        assert api.post(f"{DECLARATIONS}{declaration.pk}/{step}/").status_code == 403
        assert api.post(f"{DECLARATIONS}{other.pk}/{step}/").status_code == 404
    assert api.post(f"{DECLARATIONS}{declaration.pk}/hold/", {"reason": "x"}).status_code == 403
    assert api.post(f"{CONSIGNMENTS}{declaration.consignment_id}/declare/").status_code == 403
    assert api.get(f"{CONSIGNMENTS}{declaration.consignment_id}/").status_code == 200
    assert api.get(f"{CONSIGNMENTS}{other.consignment_id}/").status_code == 404
    declaration.refresh_from_db()
    assert declaration.status == D.DRAFT


def test_list_queries_do_not_grow_with_rows(api, operator, django_assert_max_num_queries):
    company = company_with_owner()
    for _ in range(4):
        declaration, _ = declaration_create(
            consignment=consign([goods(company), goods(company)], actor=operator), actor=operator
        )
    for url in (DECLARATIONS, CONSIGNMENTS):
        for user in (operator, owner_of(company)):
            api.as_user(user)
            with django_assert_max_num_queries(10):
                rows = api.get(url).json()["results"]
            assert len(rows) == 4 and all(len(row["lines"]) == 2 for row in rows)


# --- admin ------------------------------------------------------------------------------------


def test_operators_keep_the_rules_and_run_declarations_from_the_admin(client, operator):
    client.force_login(operator)
    for model in ("taxrule", "dutyrule", "restrictedgood"):
        assert client.get(f"/admin/logistics/{model}/?country=US").status_code == 200
    response = client.post(
        "/admin/logistics/taxrule/add/",
        {
            "country": "KR",
            "valid_from": "2026-01-01",
            "tax_name": "VAT",
            "tax_rate": "0.1000",
            "currency": "KRW",
            "duty_de_minimis": "150000",
            "tax_de_minimis": "150000",
            "tax_on_duty": "on",
            "source": "Korea Customs Service",
        },
    )
    assert response.status_code == 302 and TaxRule.objects.filter(country="KR").exists()

    draft = declaration_in(D.DRAFT, operator=operator)
    submitted = declaration_in(D.SUBMITTED, operator=operator)
    client.post(
        "/admin/logistics/customsdeclaration/", {"action": "submit", "_selected_action": [draft.pk, submitted.pk]}
    )
    draft.refresh_from_db()
    assert draft.status == D.SUBMITTED and draft.cn23
    page = client.get(f"/admin/logistics/customsdeclaration/{draft.pk}/change/").content.decode()
    assert draft.cn23.url in page and draft.lines.get().hs_code in page
    assert client.get(f"/admin/logistics/consignment/{draft.consignment_id}/change/").status_code == 200


def test_sme_staff_see_their_own_declarations_in_the_admin_and_no_rules_or_actions(client, operator):
    company = company_with_owner()
    own = declaration_in(D.DRAFT, operator=operator, company=company)
    other = declaration_in(D.DRAFT, operator=operator)
    client.force_login(owner_of(company))
    listing = client.get("/admin/logistics/customsdeclaration/").content.decode()
    assert f"CD-{own.pk} " in listing and f"CD-{other.pk} " not in listing
    assert client.get(f"/admin/logistics/customsdeclaration/{other.pk}/change/").status_code == 404
    assert client.get("/admin/logistics/taxrule/").status_code in (302, 403)
    client.post("/admin/logistics/customsdeclaration/", {"action": "submit", "_selected_action": [own.pk]})
    own.refresh_from_db()
    assert own.status == D.DRAFT


# --- importer of record and consignee ---------------------------------------------------------


def _consign_through_api(api, operator, variant, **parties):
    body = {
        "exporter": variant.product.company_id,
        "warehouse": network()["icn"].pk,
        "destination_country": "JP",
        "incoterm": "DAP",
        "lines": [{"variant": variant.pk, "quantity": 2, "unit_value": {"amount": "100.00", "currency": "USD"}}],
        **parties,
    }
    api.as_user(operator)
    created = api.post(CONSIGNMENTS, body, format="json")
    assert created.status_code == 201, created.content
    declared = api.post(f"{CONSIGNMENTS}{created.json()['id']}/declare/")
    assert declared.status_code == 201, declared.content
    submitted = api.post(f"{DECLARATIONS}{declared.json()['id']}/submit/")
    assert submitted.status_code == 200, submitted.content
    return submitted.json(), CustomsDeclaration.objects.get(pk=declared.json()["id"])


def test_a_buyer_company_billed_apart_is_the_importer_of_record_and_the_invoice_bills_it_and_ships_to_the_consignee(
    api, operator
):
    billing = {"importer_name": "Zakka Holdings K.K.", "importer_address": "4-5-6 Marunouchi, Chiyoda-ku, Tokyo"}
    shipping = {"consignee_name": "Zakka Osaka store", "consignee_address": "7-8 Namba, Chuo-ku, Osaka"}

    body, declaration = _consign_through_api(api, operator, goods(company_with_owner()), **billing, **shipping)

    assert (body["importer_name"], body["importer_address"]) == tuple(billing.values())
    assert (body["consignee_name"], body["consignee_address"]) == tuple(shipping.values())
    invoice = pdf_text(declaration.commercial_invoice)
    # The parties' row: exporter, then bill to, then ship to, under their labels.
    assert "BILL TO (IMPORTER OF RECORD)" in invoice and "SHIP TO (CONSIGNEE)" in invoice
    bill_to, ship_to = invoice.index("Zakka Holdings K.K. 4-5-6 Marunouchi"), invoice.index("Zakka Osaka store 7-8")
    assert invoice.index("SHIP TO (CONSIGNEE)") < bill_to < ship_to
    cn23 = pdf_text(declaration.cn23)
    assert "ADDRESSEE" in cn23 and "Zakka Osaka store" in cn23
    assert "Importer of record Zakka Holdings K.K., 4-5-6 Marunouchi, Chiyoda-ku, Tokyo" in cn23


def test_without_a_billing_party_the_consignee_is_the_importer_of_record(api, operator):
    shipping = {"importer_name": "Hana Sato", "importer_address": "1-2-3 Jingumae, Shibuya-ku, Tokyo"}

    body, declaration = _consign_through_api(api, operator, goods(company_with_owner()), **shipping)

    assert (body["importer_name"], body["consignee_name"]) == ("Hana Sato", "Hana Sato")
    assert body["importer_address"] == body["consignee_address"] == "1-2-3 Jingumae, Shibuya-ku, Tokyo"
    invoice = pdf_text(declaration.commercial_invoice)
    assert invoice.count("Hana Sato 1-2-3 Jingumae") == 2  # billed and shipped to the same party


def test_a_consignee_needs_both_a_name_and_an_address_and_nothing_is_written(api, operator):
    variant = goods(company_with_owner())
    body = {
        "exporter": variant.product.company_id,
        "warehouse": network()["icn"].pk,
        "destination_country": "JP",
        "incoterm": "DAP",
        "importer_name": "Zakka Holdings K.K.",
        "importer_address": "Tokyo",
        "consignee_name": "Zakka Osaka store",
        "lines": [{"variant": variant.pk, "quantity": 1, "unit_value": {"amount": "10.00", "currency": "USD"}}],
    }
    response = api.as_user(operator).post(CONSIGNMENTS, body, format="json")
    assert response.status_code == 400 and attrs(response) == {"consignee_address"}
    assert not Consignment.objects.exists()
