"""Every registered ModelAdmin's changelist, add page and change page (of a real object), as an
operator and as SME staff: 200, 302 or 403, never a 500. A ModelAdmin registered later without
an object in this world fails here until the world has one."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from brands.models import Brand, CompanyStaff
from brands.services import seller_application_create
from core.accounts import operator_otp_enrol
from core.emails import email_queue
from core.models import Event, NotificationPreference, SecurityEvent, WebhookDelivery
from core.money import Money
from core.services import job_create, security_event_record, user_token_get_or_create
from core.webhooks import webhook_endpoint_create
from integrations.models import SyndicationJob
from listings.services import inspection_record, product_update
from logistics.models import Backorder, StorageAllotment
from logistics.services import (
    InboundLineSpec,
    consignment_create,
    declaration_clear,
    declaration_create,
    declaration_submit,
    inbound_create,
)
from logistics.services.drawback import drawback_claim_file
from logistics.services.reconciliation import duty_bill_record
from marketplace.models import BrandFund, Checkout, Payout, PayoutAccount, PlatformMark, Statement
from marketplace.services.addresses import buyer_address_create
from marketplace.services.b2b_terms import PriceEntrySpec, credit_line_grant, price_list_create, terms_invoice_open
from marketplace.services.fees import fee_charge
from marketplace.services.inquiries import inquiry_create
from marketplace.services.programmes import voucher_issue
from marketplace.services.promotions import promotion_create
from marketplace.services.refunds import refund_grant
from marketplace.services.returns import return_request_approve
from marketplace.services.trade import buyer_company_verify
from tests.factories import (
    OperatorFactory,
    brand_with_members,
    migration_seeds_restore,
    owner_of,
    product,
    publish_standard,
)
from tests.logistics.trade_helpers import qualify
from tests.marketplace.desk_helpers import delivered_order, paid_order, rejected_listing, return_requested, sellable
from tests.marketplace.settlement_helpers import programme
from tests.marketplace.trade_helpers import b2b_product, buyer, quote, rfq

ALLOWED = {200, 302, 403}


def voucher_world(company, operator):
    """A provider and service, the company's approved application, an order and a payout."""
    from marketplace.models import ProviderPayout
    from marketplace.services import service_orders, vouchers

    provider = vouchers.service_provider_create(actor=operator, name="Walk Translation", kind="translation")
    service = vouchers.support_service_create(
        actor=operator,
        provider=provider,
        code="translation",
        name_translations={"en": "Translation"},
        stage="preparation",
        sub_group="development_manufacturing",
        price=Money(Decimal(100), "USD"),
    )
    scheme = programme(covers_services=True, fee_kinds=[])
    application = vouchers.programme_application_submit(
        actor=owner_of(company),
        programme=scheme,
        company=company,
        amount=Money(Decimal(200), "USD"),
        plan="x",
        sub_groups=[],
    )
    application = vouchers.programme_application_decide(
        actor=operator, application=application, approve=True, reasons="Fits."
    )
    service_orders.service_order_place(actor=owner_of(company), voucher=application.voucher, service=service)
    ProviderPayout.objects.create(provider=provider, programme=scheme, period="2026-01", amount=70, currency="USD")


def world_build(operator):
    """One object of every registered model at least, the SME's own where the model is scoped."""
    from collections import Counter

    from logistics.demo import LogisticsDemo

    network = LogisticsDemo(Counter()).load_network()
    tokyo, hub = network["warehouses"]["tyo-dc"], network["warehouses"]["icn-hub"]
    brand = brand_with_members(1)
    publish_standard(brand)
    company = brand.lead_company
    owner = owner_of(company)
    user_token_get_or_create(user=owner)
    security_event_record(kind=SecurityEvent.Kind.values[0], user=owner, company_id=company.pk)
    operator_otp_enrol(user=operator)
    item = sellable(company, tokyo)
    sellable(company, hub)
    inspection_record(
        actor=owner,
        product=product(company, brand=brand),
        results=[{"code": "stitching", "passed": True}, {"code": "label", "passed": True}],
    )
    order = paid_order([item])
    refund_grant(order=order, amount=Money(Decimal(100), order.currency), reason="Goodwill", actor=operator)
    returned = return_requested(delivered_order([item]))
    return_request_approve(request=returned, actor=operator)  # a physical return with its label
    Checkout.objects.create(email="open@example.com", currency="EUR", shipping_address={"country": "FR"})
    inbound_create(actor=owner, company=company, warehouse=tokyo, lines=[InboundLineSpec(item.variants.get().pk, 3)])
    consignment = consignment_create(
        actor=operator,
        exporter=company,
        warehouse=tokyo,
        destination_country="JP",
        importer_name="Tokyo Zakka K.K.",
        importer_address="1-2-3 Jingumae, Tokyo",
        incoterm="DAP",
        lines=[{"variant": item.variants.get(), "quantity": 1, "unit_value": Decimal(30), "currency": "USD"}],
    )
    declaration_create(consignment=consignment, actor=operator)
    billed = consignment_create(
        actor=operator,
        exporter=company,
        warehouse=tokyo,
        destination_country="US",
        importer_name="Tokyo Zakka K.K.",
        importer_address="1-2-3 Jingumae, Tokyo",
        incoterm="DDP",
        lines=[{"variant": item.variants.get(), "quantity": 1, "unit_value": Decimal(30), "currency": "USD"}],
    )
    declaration_submit(declaration=declaration_create(consignment=billed, actor=operator)[0], actor=operator)
    duty_bill_record(
        actor=operator,
        declaration=billed.declaration,
        billed_by="Yamato",
        reference="YM-1",
        duty=Money(Decimal(0), "USD"),
        tax=Money(Decimal(0), "USD"),
    )
    declaration_clear(declaration=billed.declaration, actor=operator)
    drawback_claim_file(
        actor=operator,
        declaration=billed.declaration,
        lines=[{"line": billed.declaration.lines.get().pk, "quantity": 1}],
        disposition="destroyed",
        reference="CBP-1",
    )
    today = timezone.localdate()
    StorageAllotment.objects.create(
        company=company, warehouse=tokyo, volume_m3=60, starts_on=today, ends_on=today + timedelta(days=365)
    )
    scheme = programme()
    voucher_issue(
        programme=scheme,
        company=company,
        amount=Money(Decimal(50), "USD"),
        fee_kinds=["fulfilment"],
        expires_on=today + timedelta(days=90),
        actor=operator,
    )
    seller_application_create(
        actor=owner,
        company=company,
        registration_certificate=SimpleUploadedFile("c.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
    )
    voucher_world(company, operator)
    PlatformMark.objects.create(
        product=item, content_hash=item.content_hash, expires_at=timezone.now() + timedelta(days=9)
    )
    BrandFund.objects.create(brand=brand, rate=Decimal("0.02"))
    fee_charge(company=company, kind="fulfilment", cause_type="shipment", cause_id=1)
    PayoutAccount.objects.create(company=company, currency="KRW", bank_details="Hana Bank 123")
    zero = Decimal(0)
    statement = Statement.objects.create(
        company=company,
        period="2026-01",
        currency="KRW",
        **dict.fromkeys(
            ["sales", "refunds", "commission", "fees", "programme_covered", "brand_fund", "chargebacks", "net"], zero
        ),
    )
    statement.net = Decimal(1000)
    statement.save(update_fields=["net"])
    Payout.objects.create(
        company=company,
        statement=statement,
        period="2026-01",
        amount=Decimal(1000),
        currency="KRW",
        method=Payout.Method.BANK_TRANSFER,
        idempotency_key="walk-payout",
    )
    qualify(item, "KORUS", verify=False)
    buyer_company, buyer_user = buyer()
    wholesale = b2b_product(company)
    quote(rfq(buyer_company, buyer_user), wholesale)
    inquiry_create(actor=buyer_user, product=wholesale, subject="Samples?", body="Do you send samples?")
    buyer_company = buyer_company_verify(actor=operator, buyer_company=buyer_company)
    price_list_create(
        actor=owner,
        company=company,
        buyer_company=buyer_company,
        name="Walk",
        currency="KRW",
        entries=[PriceEntrySpec(wholesale, Money(Decimal(7000), "KRW"), 100)],
    )
    credit_line_grant(
        actor=operator, buyer_company=buyer_company, net_days=30, credit_limit=Money(Decimal(100000), "USD")
    )
    terms_invoice_open(order=order, buyer_company_id=buyer_company.pk)
    # Agents and matchmaking: the SME's mandate to a trading company, the buyer in the directory,
    # the SME's proposal to it and a meeting at an event.
    from brands.models import Company
    from brands.services import mandate_accept, mandate_grant
    from marketplace.services.matchmaking import (
        buyer_profile_set,
        matchmaking_event_create,
        meeting_request,
        proposal_send,
    )
    from tests.factories import company_with_owner

    agent = company_with_owner(kind=Company.Kind.TRADING_COMPANY)
    offer = mandate_grant(actor=owner, company=company, agent=agent, scopes=["listings"])
    mandate_accept(mandate=offer, actor=owner_of(agent))
    buyer_profile_set(actor=buyer_user, buyer_company=buyer_company, opted_in=True, categories=[])
    proposal_send(
        actor=owner, company=company, buyer_company=buyer_company, products=[wholesale], subject="Lamps", terms="MOQ"
    )
    starts = timezone.now() + timedelta(days=3)
    event = matchmaking_event_create(
        actor=operator, name="Buyer day", mode="online", starts_at=starts, ends_at=starts + timedelta(hours=2)
    )
    meeting_request(actor=buyer_user, event=event, buyer_company=buyer_company, company=company)
    channel = rejected_listing(item, "title_too_long").channel
    job = job_create(kind="syndication", owner=operator, scope={"channel": channel.code})
    SyndicationJob.objects.create(job=job, channel=channel, created_by=operator)
    product_update(actor=owner, product=item, material="Mulberry bark")  # an edit held for review
    promotion_create(
        actor=owner,
        name="Walk",
        code="WALK10",
        kind="percentage",
        percent=Decimal("0.1"),
        company=company,
        starts_at=timezone.now(),
    )
    buyer_address_create(user=buyer_user, address=order.shipping_address)
    endpoint, _ = webhook_endpoint_create(
        actor=operator, company_id=None, url="http://127.0.0.1:9/hook", events=["order.paid"]
    )
    WebhookDelivery.objects.create(endpoint=endpoint, event=Event.objects.filter(type="order.paid").first())
    email_queue(to=owner.email, template="emails/refund_issued", context={"t": {"subject": "Refund", "intro": "Done"}})
    NotificationPreference.objects.create(user=owner, template="seller_new_lines", enabled=False)
    Backorder.objects.create(
        reference=order.reservation_reference,
        variant=item.variants.get(),
        kind=Backorder.Kind.PREORDER,
        quantity=1,
        expected_on=timezone.localdate(),
    )
    return {"operator": operator, "sme": owner}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        migration_seeds_restore()
        yield world_build(OperatorFactory())
        transaction.set_rollback(True)


def pages():
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label):
        yield pytest.param(model, model_admin, id=model._meta.label)


@pytest.mark.parametrize("role", ["operator", "sme"])
@pytest.mark.parametrize(("model", "model_admin"), list(pages()))
def test_every_admin_page_answers_without_a_server_error(client, db, world, role, model, model_admin):
    user = world[role]
    client.force_login(user)
    opts = model._meta
    base = f"/admin/{opts.app_label}/{opts.model_name}/"
    obj = model_admin.get_queryset(_request(user)).order_by("pk").first() or model._default_manager.first()
    assert obj is not None, f"No {opts.label} to open: give the world in {__name__} one."
    for url in (base, f"{base}add/", f"{base}{obj.pk}/change/"):
        status = client.get(url).status_code
        assert status in ALLOWED, (url, status)


def test_sme_staff_open_their_own_objects(client, db, world):
    """The SME owner's own objects open (a 403 everywhere would pass the walk above)."""
    client.force_login(world["sme"])
    company = CompanyStaff.objects.filter(user=world["sme"]).get().company
    for path in ("brands/company", "marketplace/order", "marketplace/returnrequest", "logistics/stock"):
        assert client.get(f"/admin/{path}/").status_code == 200, path
    assert client.get(f"/admin/brands/company/{company.pk}/change/").status_code == 200
    brand = Brand.objects.get(lead_company=company)
    assert client.get(f"/admin/brands/brand/{brand.pk}/change/").status_code == 200


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request
