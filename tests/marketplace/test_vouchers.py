"""The Export Voucher as the reference report runs it: a catalogue of providers' services by stage
and sub-group, an SME's application and an operator's decision, services ordered with the
voucher and the co-payment, delivery, confirmation or dispute, and the programme's settlement
with providers. Through the API with real tokens."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.money import Money
from marketplace.models import ProviderPayout, ServiceOrder, ServiceProvider, SupportService, Voucher
from marketplace.services.programmes import programme_create
from marketplace.services.vouchers import programme_application_decide, programme_application_submit
from tests.factories import OperatorFactory, company_with_owner, owner_of

pytestmark = pytest.mark.django_db

_names = iter(range(1, 10**6))


def voucher_programme(**overrides):
    """The report's rules: the SME pays 20 % in its first year, 50 % in its second; at most two
    services ("maximum of 2 times")."""
    today = timezone.localdate()
    fields = {
        "name": f"Export Voucher {next(_names)}",
        "sponsor": "MSS and KOTRA",
        "starts_on": today - timedelta(days=30),
        "ends_on": today + timedelta(days=300),
        "currency": "KRW",
        "budget": Decimal(100_000_000),
        "per_company_cap": Decimal(10_000_000),
        "share": Decimal("0.7"),
        "fee_kinds": [],
        "covers_services": True,
        "year_shares": ["0.8", "0.5"],
        "max_uses": 2,
        **overrides,
    }
    return programme_create(actor=None, **fields)


def catalogue():
    translator = ServiceProvider.objects.create(name=f"Hankook Translation {next(_names)}", kind="translation")
    fairs = ServiceProvider.objects.create(name=f"KOTRA Exhibitions {next(_names)}", kind="exhibition")
    translation = SupportService.objects.create(
        provider=translator,
        code="catalogue-translation",
        name_translations={"en": "Catalogue translation", "ko": "카탈로그 번역"},
        stage="preparation",
        sub_group="development_manufacturing",
        price=Decimal(1_000_000),
        currency="KRW",
    )
    booth = SupportService.objects.create(
        provider=fairs,
        code="booth",
        name_translations={"en": "Exhibition booth"},
        stage="beginning",
        sub_group="conference_exhibition",
        price=Decimal(3_000_000),
        currency="KRW",
    )
    return translation, booth


def voucher_for(company, plan, amount=Decimal(5_000_000)):
    operator = OperatorFactory()
    application = programme_application_submit(
        actor=owner_of(company),
        programme=plan,
        company=company,
        amount=Money(amount, "KRW"),
        plan="Go abroad",
        sub_groups=[],
    )
    application = programme_application_decide(actor=operator, application=application, approve=True, reasons="Fits.")
    return application.voucher


def order(api, voucher, service, expect=201):
    response = api.post("/api/v1/service-orders/", {"voucher": voucher.pk, "service": service.pk}, format="json")
    assert response.status_code == expect, response.json()
    return response.json()


def codes(response) -> set:
    return {error["code"] for error in response.json()["errors"]}


def test_an_sme_applies_is_approved_orders_with_its_co_payment_and_the_report_shows_it(api):
    translation, booth = catalogue()
    plan = voucher_programme()
    company = company_with_owner()
    owner, operator = owner_of(company), OperatorFactory()

    api.as_user(owner)
    response = api.post(
        "/api/v1/programme-applications/",
        {
            "programme": plan.pk,
            "company": company.pk,
            "amount": {"amount": "5000000", "currency": "KRW"},
            "plan": "Translate our catalogue and exhibit in Tokyo.",
            "sub_groups": ["development_manufacturing", "conference_exhibition"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    application = response.json()
    assert application["status"] == "submitted"
    path = f"/api/v1/programme-applications/{application['id']}"
    assert api.post(f"{path}/approve/", {"reasons": "Me."}, format="json").status_code == 403

    api.as_user(operator)
    response = api.post(f"{path}/approve/", {"reasons": "A clear export plan."}, format="json")
    assert response.status_code == 200, response.json()
    voucher = Voucher.objects.get(pk=response.json()["voucher"])
    assert (voucher.amount, voucher.participation_year, voucher.company_id) == (Decimal(5_000_000), 1, company.pk)
    plan.refresh_from_db()
    assert plan.spent == Decimal(5_000_000)  # set aside from the budget on issue

    api.as_user(owner)
    first = order(api, voucher, translation)
    # First year: the programme pays 80 %, the SME co-pays 20 %.
    assert first["price"] == {"amount": "1000000", "currency": "KRW"}
    assert first["programme_part"] == {"amount": "800000", "currency": "KRW"}
    assert first["co_payment"] == {"amount": "200000", "currency": "KRW"}
    second = order(api, voucher, booth)
    assert second["co_payment"] == {"amount": "600000", "currency": "KRW"}
    voucher.refresh_from_db()
    assert voucher.balance == Money(Decimal(1_800_000), "KRW")

    api.as_user(operator)
    assert (
        api.post(f"/api/v1/service-orders/{first['id']}/deliver/", {"note": "Sent."}, format="json").status_code == 200
    )
    api.as_user(owner)
    response = api.post(f"/api/v1/service-orders/{first['id']}/confirm/")
    assert response.json()["status"] == "confirmed"
    assert [e["kind"] for e in response.json()["events"]] == ["ordered", "delivered", "confirmed"]

    api.as_user(operator)
    report = api.get(f"/api/v1/programmes/{plan.pk}/report/").json()
    assert report["assisted_companies"] == 1
    assert report["services"]["orders"] == 2
    assert report["services"]["spend"] == {"amount": "3200000", "currency": "KRW"}
    assert report["services"]["co_payments"] == {"amount": "800000", "currency": "KRW"}
    assert [(r["stage"], r["sub_group"], r["spend"]["amount"]) for r in report["services"]["by_stage"]] == [
        ("beginning", "conference_exhibition", "2400000"),
        ("preparation", "development_manufacturing", "800000"),
    ]


def test_in_its_second_year_the_sme_co_pays_half(api):
    translation, _booth = catalogue()
    company = company_with_owner()
    earlier = voucher_for(company, voucher_programme(), amount=Decimal(1_000_000))
    Voucher.objects.filter(pk=earlier.pk).update(issued_at=timezone.now() - timedelta(days=366))
    voucher = voucher_for(company, voucher_programme())
    assert voucher.participation_year == 2
    body = order(api.as_user(owner_of(company)), voucher, translation)
    assert body["programme_part"]["amount"] == "500000"
    assert body["co_payment"]["amount"] == "500000"


def test_at_most_two_uses_and_a_cancelled_order_gives_its_use_and_balance_back(api):
    translation, booth = catalogue()
    company = company_with_owner()
    voucher = voucher_for(company, voucher_programme())
    api.as_user(owner_of(company))
    first = order(api, voucher, translation)
    order(api, voucher, translation)
    refused = order(api, voucher, booth, expect=409)
    assert "uses_exhausted" in {r["code"] for r in refused["errors"]} or any(
        "at most 2" in e["detail"] for e in refused["errors"]
    )
    assert api.post(f"/api/v1/service-orders/{first['id']}/cancel/", {}, format="json").json()["status"] == "cancelled"
    voucher.refresh_from_db()
    assert voucher.spent == Decimal(800_000)
    order(api, voucher, booth)


def test_the_maximum_per_year_the_stages_covered_and_the_balance_refuse_an_order(api):
    translation, booth = catalogue()
    company = company_with_owner()
    plan = voucher_programme(max_uses=None, max_per_company_year=Decimal(1_000_000), service_stages=["preparation"])
    voucher = voucher_for(company, plan)
    api.as_user(owner_of(company))
    order(api, voucher, translation)
    refused = api.post("/api/v1/service-orders/", {"voucher": voucher.pk, "service": booth.pk}, format="json")
    assert refused.status_code == 409
    details = " ".join(e["detail"] for e in refused.json()["errors"])
    assert "stages preparation" in details
    refused = api.post("/api/v1/service-orders/", {"voucher": voucher.pk, "service": translation.pk}, format="json")
    assert refused.status_code == 409
    assert "maximum this year" in " ".join(e["detail"] for e in refused.json()["errors"])

    small = voucher_for(company_with_owner(), voucher_programme(), amount=Decimal(500_000))
    api.as_user(owner_of(small.company))
    refused = api.post("/api/v1/service-orders/", {"voucher": small.pk, "service": translation.pk}, format="json")
    assert refused.status_code == 409
    assert "balance" in " ".join(e["detail"] for e in refused.json()["errors"])
    assert ServiceOrder.objects.filter(voucher=small).count() == 0


def test_a_dispute_is_resolved_by_an_operator_either_way(api):
    translation, _booth = catalogue()
    company = company_with_owner()
    voucher = voucher_for(company, voucher_programme())
    owner, operator = owner_of(company), OperatorFactory()
    ids = [order(api.as_user(owner), voucher, translation)["id"] for _ in range(2)]
    for pk in ids:
        api.as_user(operator).post(f"/api/v1/service-orders/{pk}/deliver/", {}, format="json")
        api.as_user(owner)
        assert api.post(f"/api/v1/service-orders/{pk}/dispute/", {"reason": ""}, format="json").status_code == 400
        response = api.post(f"/api/v1/service-orders/{pk}/dispute/", {"reason": "Half untranslated."}, format="json")
        assert response.json()["status"] == "disputed"
    api.as_user(owner)
    assert (
        api.post(
            f"/api/v1/service-orders/{ids[0]}/resolve/", {"outcome": "delivered", "reason": "x"}, format="json"
        ).status_code
        == 403
    )
    api.as_user(operator)
    response = api.post(
        f"/api/v1/service-orders/{ids[0]}/resolve/", {"outcome": "not_delivered", "reason": "Not done."}, format="json"
    )
    assert response.json()["status"] == "cancelled"
    response = api.post(
        f"/api/v1/service-orders/{ids[1]}/resolve/", {"outcome": "delivered", "reason": "Done."}, format="json"
    )
    assert response.json()["status"] == "confirmed"
    voucher.refresh_from_db()
    assert voucher.spent == Decimal(800_000)  # only the delivered one stays drawn


def test_providers_are_paid_the_programmes_part_once_per_closed_month(api):
    translation, booth = catalogue()
    company = company_with_owner()
    voucher = voucher_for(company, voucher_programme())
    owner, operator = owner_of(company), OperatorFactory()
    for service in (translation, translation):
        pk = order(api.as_user(owner), voucher, service)["id"]
        api.as_user(operator).post(f"/api/v1/service-orders/{pk}/deliver/", {}, format="json")
        api.as_user(owner).post(f"/api/v1/service-orders/{pk}/confirm/")
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=15)
    ServiceOrder.objects.update(
        confirmed_at=timezone.make_aware(timezone.datetime(last_month.year, last_month.month, 15))
    )
    period = f"{last_month.year:04d}-{last_month.month:02d}"

    api.as_user(operator)
    this_month = timezone.localdate().strftime("%Y-%m")
    assert api.post("/api/v1/provider-payouts/run/", {"period": this_month}, format="json").status_code == 400
    made = api.post("/api/v1/provider-payouts/run/", {"period": period}, format="json").json()
    assert [(p["provider"], p["amount"]) for p in made] == [
        (translation.provider_id, {"amount": "1600000", "currency": "KRW"})
    ]
    assert api.post("/api/v1/provider-payouts/run/", {"period": period}, format="json").json() == []
    statement = api.get(f"/api/v1/service-providers/{translation.provider_id}/statement/?period={period}").json()
    assert len(statement["lines"]) == 2
    assert statement["by_programme"][0]["owed"] == {"amount": "1600000", "currency": "KRW"}
    assert statement["by_programme"][0]["co_paid"] == {"amount": "400000", "currency": "KRW"}
    payout = ProviderPayout.objects.get()
    response = api.post(f"/api/v1/provider-payouts/{payout.pk}/confirm/", {"reference": "KB-77"}, format="json")
    assert response.json()["status"] == "paid"
    assert api.post(f"/api/v1/provider-payouts/{payout.pk}/confirm/", {}, format="json").status_code == 409
    api.as_user(owner)
    assert api.get(f"/api/v1/service-providers/{translation.provider_id}/statement/?period={period}").status_code == 403


def test_catalogue_is_edited_by_operators_with_sub_groups_of_the_stage(api):
    provider = ServiceProvider.objects.create(name="Seoul Studio", kind="photography")
    body = {
        "provider": provider.pk,
        "code": "white-background",
        "name_translations": {"en": "Product photos on white", "ko": "제품 사진"},
        "description": {"en": "Ten photos per product."},
        "stage": "preparation",
        "sub_group": "conference_exhibition",
        "price": {"amount": "300000", "currency": "KRW"},
    }
    api.as_user(owner_of(company_with_owner()))
    assert api.post("/api/v1/support-services/", body, format="json").status_code == 403
    api.as_user(OperatorFactory())
    response = api.post("/api/v1/support-services/", body, format="json")
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"sub_group"}
    response = api.post("/api/v1/support-services/", {**body, "sub_group": "development_manufacturing"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["price"] == {"amount": "300000", "currency": "KRW"}
    listed = api.get("/api/v1/support-services/?stage=preparation").json()
    assert [s["code"] for s in listed["results"]] == ["white-background"]
    assert api.get("/api/v1/support-services/?stage=contract").json()["count"] == 0


def test_applications_and_orders_are_scoped_and_bad_input_names_the_field(api):
    translation, _booth = catalogue()
    plan = voucher_programme()
    company, other = company_with_owner(), company_with_owner()
    voucher = voucher_for(company, plan)
    mine = order(api.as_user(owner_of(company)), voucher, translation)
    api.as_user(owner_of(other))
    assert api.get(f"/api/v1/service-orders/{mine['id']}/").status_code == 404
    assert api.get("/api/v1/service-orders/").json()["count"] == 0
    response = api.post("/api/v1/service-orders/", {"voucher": voucher.pk, "service": translation.pk}, format="json")
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"voucher"}
    response = api.post(
        "/api/v1/programme-applications/",
        {"programme": plan.pk, "company": other.pk, "amount": {"amount": "100", "currency": "USD"}, "plan": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"amount"}
    response = api.post(
        "/api/v1/programme-applications/",
        {"programme": plan.pk, "company": company.pk, "amount": {"amount": "100", "currency": "KRW"}, "plan": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"company"}
    api.as_user(OperatorFactory())
    application = programme_application_submit(
        actor=owner_of(other),
        programme=plan,
        company=other,
        amount=Money(Decimal(1000), "KRW"),
        plan="x",
        sub_groups=[],
    )
    response = api.post(
        f"/api/v1/programme-applications/{application.pk}/reject/", {"reasons": "No plan."}, format="json"
    )
    assert response.json()["status"] == "rejected"
    assert response.json()["voucher"] is None
    assert response.json()["decision_reasons"] == "No plan."


def test_operators_decide_and_resolve_in_the_admin_and_sme_staff_read_only_their_own(client):
    translation, _booth = catalogue()
    plan = voucher_programme()
    company, other = company_with_owner(), company_with_owner()
    application = programme_application_submit(
        actor=owner_of(company),
        programme=plan,
        company=company,
        amount=Money(Decimal(2_000_000), "KRW"),
        plan="x",
        sub_groups=[],
    )
    voucher_for(other, plan)

    client.force_login(owner_of(company))
    listing = client.get("/admin/marketplace/programmeapplication/").content.decode()
    assert company.legal_name in listing and other.legal_name not in listing
    client.post(
        "/admin/marketplace/programmeapplication/",
        {"action": "approve", "_selected_action": [application.pk], "apply": "1", "reasons": "Me."},
    )
    application.refresh_from_db()
    assert application.status == "submitted"

    client.force_login(OperatorFactory())
    client.post(
        "/admin/marketplace/programmeapplication/",
        {"action": "approve", "_selected_action": [application.pk], "apply": "1", "reasons": "A plan."},
    )
    application.refresh_from_db()
    assert application.status == "approved" and application.voucher.amount == Decimal(2_000_000)
    from marketplace.services.service_orders import service_order_place

    placed = service_order_place(actor=owner_of(company), voucher=application.voucher, service=translation)
    client.post("/admin/marketplace/serviceorder/", {"action": "deliver", "_selected_action": [placed.pk]})
    placed.refresh_from_db()
    assert placed.status == "delivered"
