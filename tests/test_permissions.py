"""Who may call what, for every API route. A route without a row here fails
test_every_api_route_has_a_row, so a new endpoint cannot ship without its permission cases.

Roles: anon (no token), outsider (owner of an unrelated company), viewer (viewer of the lead
company), member (owner of a member company), lead (owner of the lead company), operator.
Agent roles, on the rows that name them (AGENT_EXPECT and the mandate rows): agent (owner of a
trading company the member company mandated for listings), agent_quotes (owner of a trading
company the member company mandated for quotes only).
"""

import copy
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import get_resolver

from brands.models import Company, Membership
from brands.services import mandate_accept, mandate_grant
from core.money import Money
from core.services import job_create
from listings.services import inspection_record
from marketplace.services.marks import PLATFORM_STANDARD
from tests.factories import (
    PASSWORD,
    OperatorFactory,
    UserFactory,
    brand_with_members,
    category,
    company_with_owner,
    migration_seeds_restore,
    owner_of,
    png_bytes,
    product,
    product_payload,
    publish_standard,
    staff,
)

ROLES = ["anon", "outsider", "viewer", "member", "lead", "operator"]


@dataclass
class World:
    users: dict
    companies: dict
    brand: object
    member_membership: Membership
    application: Membership
    category: object
    product: object
    inspection: object
    job: object
    trade: dict = field(default_factory=dict)
    inbound: dict = field(default_factory=dict)  # status -> the lead company's shipment, see _inbound
    outbound: dict = field(default_factory=dict)  # fulfilments, shipment, physical return: see _outbound
    customs: dict = field(default_factory=dict)  # consignment and declarations by state: see _customs
    mandates: dict = field(default_factory=dict)  # "agent", "agent_quotes": the member's active mandates

    def own_company(self, role):
        return self.companies.get(role, self.companies["lead"])


@pytest.fixture(scope="module")
def world_base(django_db_setup, django_db_blocker):
    """The world, built once per test module inside a transaction rolled back at its end. Each
    test runs in a savepoint inside it (pytest-django's `db`) on its own copy of the objects, so
    what a test writes, or adds to its world on first use, is gone for the next one."""
    with django_db_blocker.unblock(), transaction.atomic():
        migration_seeds_restore()
        yield world_build(OperatorFactory())
        transaction.set_rollback(True)


@pytest.fixture
def world(db, world_base):
    return copy.deepcopy(world_base)


def world_build(operator) -> World:
    brand = brand_with_members(1)
    publish_standard(brand)
    lead = brand.lead_company
    member = brand.memberships.get(role="member")
    outsider = company_with_owner()
    applicant = company_with_owner()
    application = Membership.objects.create(brand=brand, company=applicant)
    users = {
        "anon": None,
        "outsider": owner_of(outsider),
        "viewer": staff(lead, "viewer"),
        "member": owner_of(member.company),
        "lead": owner_of(lead),
        "operator": operator,
    }
    companies = {"outsider": outsider, "member": member.company, "lead": lead, "operator": company_with_owner()}
    item = product(member.company, brand=brand)
    inspection = inspection_record(
        actor=users["lead"],
        product=item,
        results=[{"code": "stitching", "passed": True}, {"code": "label", "passed": True}],
    )
    job = job_create(kind="product_import", owner=users["member"], scope={"company": member.company_id})
    mandates = {}
    for role, scopes in (("agent", ["listings"]), ("agent_quotes", ["quotes"])):
        agent = company_with_owner(kind=Company.Kind.TRADING_COMPANY)
        users[role], companies[role] = owner_of(agent), agent
        offer = mandate_grant(actor=users["member"], company=member.company, agent=agent, scopes=scopes)
        mandates[role] = mandate_accept(mandate=offer, actor=users[role])
    world = World(users, companies, brand, member, application, category(), item, inspection, job)
    world.mandates = mandates
    return world


@dataclass
class Case:
    name: str
    method: str
    path: object  # callable(world) -> str
    expect: dict  # role -> status
    body: object = field(default=None)  # callable(world, role) -> dict
    fmt: str | None = None  # "multipart" for uploads


def _company_body(w, role):
    return {
        "legal_name": f"{role} trading",
        "registration_number": f"999-{ROLES.index(role)}",
        "country": "KR",
        "sector": "mfg_food",
        "annual_sales": {"amount": "1000000000", "currency": "KRW"},
        "employees": 10,
    }


def _product_body(w, role):
    body = product_payload(category=w.category)
    return {
        "company": w.own_company(role).pk,
        "category": w.category.pk,
        "translations": body["translations"],
        "retail_price": {"amount": "45000", "currency": "KRW"},
        "variants": [{"sku": f"PERM-{role}", "weight_kg": "0.5"}],
    }


def _product(action, **expect):
    return Case(
        f"product-{action}",
        "post",
        lambda w: f"/api/v1/products/{w.product.pk}/{action}/",
        {"anon": 401, "outsider": 404, "viewer": 403, **expect},
        lambda w, r: {"reason": "policy check"},
    )


def _trade(w):
    """An order of the world's product bought by the outsider's owner, its checkout and a return
    request, made on first use."""
    if "order" not in w.trade:
        from marketplace.models import Checkout, Order, ReturnRequest
        from marketplace.services.orders import PlacedLine, Totals, order_place

        variant = w.product.variants.get()
        buyer = w.users["outsider"]
        address = {"name": "Sato", "lines": ["1 Ginza"], "city": "Tokyo", "postal_code": "104-0061", "country": "JP"}
        checkout = Checkout.objects.create(buyer=buyer, email=buyer.email, currency="JPY", shipping_address=address)
        checkout.lines.create(variant=variant, quantity=1)
        order, _ = order_place(
            source=Order.Source.STOREFRONT,
            buyer=buyer,
            email=buyer.email,
            currency="JPY",
            lines=[PlacedLine(variant, 1, Decimal(100), Decimal(100))],
            shipping_address=address,
            totals=Totals.of(currency="JPY", subtotal=Decimal(100)),
            payment=None,
        )
        line = order.lines.get()
        w.trade.update(
            checkout=checkout,
            order=order,
            line=line,
            request=ReturnRequest.objects.create(order_line=line, quantity=1, reason="damaged"),
        )
    return w.trade


def _buyer_only(**expect):
    return {"anon": 401, "outsider": 200, "viewer": 404, "member": 404, "lead": 404, "operator": 404, **expect}


def _return_op(action, body=None, operator=200):
    return Case(
        f"return-{action}",
        "post",
        lambda w: f"/api/v1/returns/{_trade(w)['request'].pk}/{action}/",
        {"anon": 401, "outsider": 403, "viewer": 404, "member": 403, "lead": 404, "operator": operator},
        lambda w, r: body or {},
    )


def _all(status, **overrides):
    return {role: overrides.get(role, status) for role in ROLES}


CASES = [
    Case(
        "auth-register",
        "post",
        lambda w: "/api/v1/auth/register/",
        {"anon": 201},
        lambda w, r: {"email": "new@example.com", "password": "hanji-lamp-2026", "full_name": "New"},
    ),
    Case(
        "auth-token",
        "post",
        lambda w: "/api/v1/auth/token/",
        {"anon": 400},
        lambda w, r: {"email": "nobody@example.com", "password": "wrong-pass-123"},
    ),
    Case("auth-me", "get", lambda w: "/api/v1/auth/me/", _all(200, anon=401)),
    Case("company-list", "get", lambda w: "/api/v1/companies/", _all(200, anon=401)),
    Case("company-list", "post", lambda w: "/api/v1/companies/", _all(201, anon=401), _company_body),
    Case(
        "company-detail",
        "get",
        lambda w: f"/api/v1/companies/{w.companies['lead'].pk}/",
        {"anon": 401, "outsider": 404, "viewer": 200, "member": 404, "lead": 200, "operator": 200},
    ),
    Case(
        "company-detail",
        "patch",
        lambda w: f"/api/v1/companies/{w.companies['lead'].pk}/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 404, "lead": 200, "operator": 200},
        lambda w, r: {"employees": 55},
    ),
    Case(
        "company-staff",
        "get",
        lambda w: f"/api/v1/companies/{w.companies['lead'].pk}/staff/",
        {"anon": 401, "outsider": 404, "viewer": 200, "member": 404, "lead": 200, "operator": 200},
    ),
    Case(
        "company-staff",
        "post",
        lambda w: f"/api/v1/companies/{w.companies['lead'].pk}/staff/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 404, "lead": 200, "operator": 200},
        lambda w, r: {"email": w.users["outsider"].email, "role": "viewer"},
    ),
    Case("brand-list", "get", lambda w: "/api/v1/brands/", _all(200, anon=401)),
    Case(
        "brand-list",
        "post",
        lambda w: "/api/v1/brands/",
        {"anon": 401, "outsider": 201, "viewer": 400, "member": 201, "lead": 201, "operator": 201},
        lambda w, r: {"name": f"New brand by {r}", "lead_company": w.own_company(r).pk},
    ),
    Case("brand-detail", "get", lambda w: f"/api/v1/brands/{w.brand.slug}/", _all(200, anon=401)),
    Case(
        "brand-activate",
        "post",
        lambda w: f"/api/v1/brands/{w.brand.slug}/activate/",
        {"anon": 401, "outsider": 403, "viewer": 403, "member": 403, "lead": 409, "operator": 409},
    ),
    Case(
        "brand-quality-standard",
        "get",
        lambda w: f"/api/v1/brands/{w.brand.slug}/quality-standard/",
        _all(200, anon=401),
    ),
    Case(
        "brand-quality-standard",
        "put",
        lambda w: f"/api/v1/brands/{w.brand.slug}/quality-standard/",
        {"anon": 401, "outsider": 403, "viewer": 403, "member": 403, "lead": 200, "operator": 200},
        lambda w, r: {"items": [{"code": "finish", "text": "No rough edges.", "required": True}]},
    ),
    Case("brand-memberships", "get", lambda w: f"/api/v1/brands/{w.brand.slug}/memberships/", _all(200, anon=401)),
    Case(
        "brand-memberships",
        "post",
        lambda w: f"/api/v1/brands/{w.brand.slug}/memberships/",
        {"anon": 401, "outsider": 201, "viewer": 400, "member": 409, "lead": 409, "operator": 201},
        lambda w, r: {"company": w.own_company(r).pk},
    ),
    Case(
        "brand-approve-membership",
        "post",
        lambda w: f"/api/v1/brands/{w.brand.slug}/memberships/{w.application.pk}/approve/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 404, "lead": 200, "operator": 200},
        lambda w, r: {},
    ),
    Case(
        "brand-leave-membership",
        "post",
        lambda w: f"/api/v1/brands/{w.brand.slug}/memberships/{w.member_membership.pk}/leave/",
        {"anon": 401, "outsider": 403, "viewer": 403, "member": 200, "lead": 403, "operator": 200},
        lambda w, r: {},
    ),
    Case("product-list", "get", lambda w: "/api/v1/products/", _all(200, anon=401)),
    Case(
        "product-list",
        "post",
        lambda w: "/api/v1/products/",
        {"anon": 401, "outsider": 201, "viewer": 403, "member": 201, "lead": 201, "operator": 201},
        _product_body,
    ),
    Case(
        "product-detail",
        "get",
        lambda w: f"/api/v1/products/{w.product.pk}/",
        {"anon": 401, "outsider": 404, "viewer": 200, "member": 200, "lead": 200, "operator": 200},
    ),
    Case(
        "product-detail",
        "patch",
        lambda w: f"/api/v1/products/{w.product.pk}/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 200, "lead": 403, "operator": 200},
        lambda w, r: {"material": "Mulberry bark"},
    ),
    Case(
        "product-detail",
        "delete",
        lambda w: f"/api/v1/products/{w.product.pk}/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 204, "lead": 403, "operator": 204},
    ),
    Case(
        "product-hs-suggestions",
        "get",
        lambda w: f"/api/v1/products/{w.product.pk}/hs-suggestions/",
        {"anon": 401, "outsider": 404, "viewer": 200, "member": 200, "lead": 200, "operator": 200},
    ),
    _product("submit", member=200, lead=403, operator=200),
    _product("approve", member=403, lead=409, operator=409),
    _product("publish", member=409, lead=403, operator=409),
    _product("unpublish", member=409, lead=403, operator=409),
    _product("archive", member=200, lead=403, operator=200),
    _product("suspend", member=403, lead=403, operator=409),
    Case(
        "product-media",
        "post",
        lambda w: f"/api/v1/products/{w.product.pk}/media/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 201, "lead": 403, "operator": 201},
        lambda w, r: {"image": SimpleUploadedFile("p.png", png_bytes(colour=(ROLES.index(r) * 40, 9, 9)))},
        fmt="multipart",
    ),
    Case(
        "product-delete-media",
        "delete",
        lambda w: f"/api/v1/products/{w.product.pk}/media/{w.product.media.first().pk}/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 204, "lead": 403, "operator": 204},
    ),
    Case(
        "product-revisions",
        "get",
        lambda w: f"/api/v1/products/{_revision(w).product_id}/revisions/",
        {"anon": 401, "outsider": 404, "viewer": 200, "member": 200, "lead": 200, "operator": 200},
    ),
    Case(
        "product-approve-revision",
        "post",
        lambda w: f"/api/v1/products/{_revision(w).product_id}/revisions/{_revision(w).pk}/approve/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 403, "lead": 200, "operator": 200},
        lambda w, r: {},
    ),
    Case(
        "product-reject-revision",
        "post",
        lambda w: f"/api/v1/products/{_revision(w).product_id}/revisions/{_revision(w).pk}/reject/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 403, "lead": 200, "operator": 200},
        lambda w, r: {"reason": "Not what was inspected"},
    ),
    Case(
        "product-import",
        "post",
        lambda w: "/api/v1/products/import/",
        {"anon": 401, "outsider": 400, "viewer": 400, "member": 202, "lead": 400, "operator": 202},
        lambda w, r: {
            "file": SimpleUploadedFile(
                "p.csv", f"product_key,category,sku\r\nP,{w.category.path},IMP-{r}\r\n".encode()
            ),
            "company": w.member_membership.company_id,
        },
        fmt="multipart",
    ),
    Case(
        "product-export",
        "get",
        lambda w: f"/api/v1/products/export/?company={w.member_membership.company_id}",
        {"anon": 401, "outsider": 404, "viewer": 404, "member": 200, "lead": 404, "operator": 200},
    ),
    Case("category-list", "get", lambda w: "/api/v1/categories/", _all(200)),
    Case("inspection-list", "get", lambda w: "/api/v1/inspections/", _all(200, anon=401)),
    Case(
        "inspection-list",
        "post",
        lambda w: "/api/v1/inspections/",
        {"anon": 401, "outsider": 400, "viewer": 403, "member": 403, "lead": 201, "operator": 201},
        lambda w, r: {
            "product": w.product.pk,
            "results": [{"code": "stitching", "passed": True}, {"code": "label", "passed": False}],
        },
    ),
    Case(
        "inspection-detail",
        "get",
        lambda w: f"/api/v1/inspections/{w.inspection.pk}/",
        {"anon": 401, "outsider": 404, "viewer": 200, "member": 200, "lead": 200, "operator": 200},
    ),
    # The storefront is public; the world's product and brand are not published, so 404 for all.
    Case("storefront-product-list", "get", lambda w: "/api/v1/storefront/products/", _all(200)),
    Case("storefront-product-detail", "get", lambda w: f"/api/v1/storefront/products/{w.product.slug}/", _all(404)),
    Case(
        "storefront-product-price",
        "get",
        lambda w: f"/api/v1/storefront/products/{w.product.slug}/price/?quantity=1",
        _all(404),
    ),
    Case("storefront-brand-list", "get", lambda w: "/api/v1/storefront/brands/", _all(200)),
    Case("storefront-brand-detail", "get", lambda w: f"/api/v1/storefront/brands/{w.brand.slug}/", _all(404)),
    Case("warehouse-list", "get", lambda w: "/api/v1/warehouses/", _all(200, anon=401)),
    Case("stock-list", "get", lambda w: "/api/v1/stock/", _all(200, anon=401)),
    Case("job-list", "get", lambda w: "/api/v1/jobs/", _all(200, anon=401)),
    Case(
        "job-detail",
        "get",
        lambda w: f"/api/v1/jobs/{w.job.pk}/",
        {"anon": 401, "outsider": 404, "viewer": 404, "member": 200, "lead": 404, "operator": 200},
    ),
    Case(
        "job-cancel",
        "post",
        lambda w: f"/api/v1/jobs/{w.job.pk}/cancel/",
        {"anon": 401, "outsider": 404, "viewer": 404, "member": 200, "lead": 404, "operator": 200},
    ),
    # Inbound shipments: the lead company's (see _inbound); receive, inspect and stock are operators' steps.
    Case("inbound-shipment-list", "get", lambda w: "/api/v1/inbound-shipments/", _all(200, anon=401)),
    Case(
        "inbound-shipment-list",
        "post",
        lambda w: "/api/v1/inbound-shipments/",
        {"anon": 401, "outsider": 201, "viewer": 403, "member": 201, "lead": 201, "operator": 201},
        lambda w, r: _inbound_body(w.own_company(r)),
    ),
    Case(
        "inbound-shipment-detail",
        "get",
        lambda w: f"/api/v1/inbound-shipments/{_inbound(w, 'draft').pk}/",
        {"anon": 401, "outsider": 404, "viewer": 200, "member": 404, "lead": 200, "operator": 200},
    ),
    Case(
        "inbound-shipment-dispatch",
        "post",
        lambda w: f"/api/v1/inbound-shipments/{_inbound(w, 'draft').pk}/dispatch/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 404, "lead": 200, "operator": 200},
        lambda w, r: {"carrier": "CJ Logistics", "tracking_number": f"CJ-{r}"},
    ),
    Case(
        "inbound-shipment-cancel",
        "post",
        lambda w: f"/api/v1/inbound-shipments/{_inbound(w, 'draft').pk}/cancel/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 404, "lead": 200, "operator": 200},
    ),
    Case(
        "inbound-shipment-receive",
        "post",
        lambda w: f"/api/v1/inbound-shipments/{_inbound(w, 'in_transit').pk}/receive/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 404, "lead": 403, "operator": 200},
        lambda w, r: {
            "lines": [{"line": line.pk, "quantity_received": 3} for line in _inbound(w, "in_transit").lines.all()]
        },
    ),
    Case(
        "inbound-shipment-inspect",
        "post",
        lambda w: f"/api/v1/inbound-shipments/{_inbound(w, 'received').pk}/inspect/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 404, "lead": 403, "operator": 200},
        lambda w, r: {
            "lines": [
                {"line": line.pk, "quantity_passed": 2, "quantity_failed": 1, "defect_codes": ["dent"]}
                for line in _inbound(w, "received").lines.all()
            ]
        },
    ),
    Case(
        "inbound-shipment-stock",
        "post",
        lambda w: f"/api/v1/inbound-shipments/{_inbound(w, 'inspected').pk}/stock/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 404, "lead": 403, "operator": 200},
    ),
    Case("storage-allotment-list", "get", lambda w: "/api/v1/storage-allotments/", _all(200, anon=401)),
    # Fulfilment, tracking and physical returns: operators only; the carrier webhook answers
    # only to a signature (none here: 400 for everyone); quotes for any user.
    Case("fulfilment-list", "get", lambda w: "/api/v1/fulfilments/", _all(403, anon=401, operator=200)),
    Case(
        "fulfilment-detail",
        "get",
        lambda w: f"/api/v1/fulfilments/{_outbound(w)['requested'].pk}/",
        _all(403, anon=401, operator=200),
    ),
    Case(
        "fulfilment-pick",
        "post",
        lambda w: f"/api/v1/fulfilments/{_outbound(w)['requested'].pk}/pick/",
        _all(403, anon=401, operator=200),
    ),
    Case(
        "fulfilment-pack",
        "post",
        lambda w: f"/api/v1/fulfilments/{_outbound(w)['requested'].pk}/pack/",
        _all(403, anon=401, operator=409),
        lambda w, r: {"parcels": [{"weight_kg": "1.2", "length_cm": "30", "width_cm": "20", "height_cm": "10"}]},
    ),
    Case(
        "fulfilment-ship",
        "post",
        lambda w: f"/api/v1/fulfilments/{_outbound(w)['requested'].pk}/ship/",
        _all(403, anon=401, operator=409),
        lambda w, r: {"carrier": "UPS", "service": "standard", "tracking_number": f"1Z-{r}"},
    ),
    Case(
        "shipment-detail",
        "get",
        lambda w: f"/api/v1/shipments/{_outbound(w)['shipment'].pk}/",
        _all(403, anon=401, operator=200),
    ),
    Case(
        "shipment-events",
        "post",
        lambda w: f"/api/v1/shipments/{_outbound(w)['shipment'].pk}/events/",
        _all(403, anon=401, operator=201),
        lambda w, r: {"status": "customs", "occurred_at": "2026-01-05T10:00:00Z", "location": "LAX"},
    ),
    Case(
        "carrier-webhook-tracking",
        "post",
        lambda w: "/api/v1/carrier-webhooks/tracking/",
        _all(400),
        lambda w, r: {
            "carrier": "DHL",
            "tracking_number": _outbound(w)["shipment"].tracking_number,
            "event_id": "evt-1",
            "status": "delivered",
            "occurred_at": "2026-01-05T10:00:00Z",
        },
    ),
    Case(
        "shipping-rate-quote",
        "get",
        lambda w: f"/api/v1/shipping-rates/quote/?destination=US&sku={w.product.variants.get().sku}&quantity=2",
        _all(200, anon=401),
    ),
    Case("physical-return-list", "get", lambda w: "/api/v1/physical-returns/", _all(403, anon=401, operator=200)),
    Case(
        "physical-return-detail",
        "get",
        lambda w: f"/api/v1/physical-returns/{_outbound(w)['return'].pk}/",
        _all(403, anon=401, operator=200),
    ),
    Case(
        "physical-return-label",
        "get",
        lambda w: f"/api/v1/physical-returns/{_outbound(w)['return'].pk}/label/",
        _all(403, anon=401, operator=200),
    ),
    Case(
        "physical-return-in-transit",
        "post",
        lambda w: f"/api/v1/physical-returns/{_outbound(w)['return'].pk}/in-transit/",
        _all(403, anon=401, operator=200),
    ),
    Case(
        "physical-return-receive",
        "post",
        lambda w: f"/api/v1/physical-returns/{_outbound(w)['return'].pk}/receive/",
        _all(403, anon=401, operator=200),
        lambda w, r: {
            "lines": [
                {"line": line.pk, "quantity_received": 1, "quantity_damaged": 0}
                for line in _outbound(w)["return"].lines.all()
            ]
        },
    ),
    Case(
        "physical-return-inspect",
        "post",
        lambda w: f"/api/v1/physical-returns/{_outbound(w)['return'].pk}/inspect/",
        _all(403, anon=401, operator=409),
        lambda w, r: {"lines": [{"line": line.pk, "grades": {"A": 1}} for line in _outbound(w)["return"].lines.all()]},
    ),
    Case(
        "physical-return-resolve",
        "post",
        lambda w: f"/api/v1/physical-returns/{_outbound(w)['return'].pk}/resolve/",
        _all(403, anon=401, operator=409),
        lambda w, r: {
            "lines": [{"line": line.pk, "disposition": "dispose"} for line in _outbound(w)["return"].lines.all()]
        },
    ),
    Case(
        "checkout-list",
        "post",
        lambda w: "/api/v1/checkouts/",
        _all(400),
        lambda w, r: {
            "lines": [{"sku": w.product.variants.get().sku, "quantity": 1}],
            "currency": "JPY",
            "email": "b@example.com",
            "shipping_address": {
                "name": "S",
                "lines": ["1"],
                "city": "Tokyo",
                "postal_code": "104-0061",
                "country": "JP",
            },
        },
    ),
    Case("checkout-detail", "get", lambda w: f"/api/v1/checkouts/{_trade(w)['checkout'].pk}/", _buyer_only(anon=404)),
    Case(
        "checkout-detail",
        "patch",
        lambda w: f"/api/v1/checkouts/{_trade(w)['checkout'].pk}/",
        _buyer_only(anon=404),
        lambda w, r: {"email": "new@example.com"},
    ),
    Case(
        "checkout-shipping-options",
        "get",
        lambda w: f"/api/v1/checkouts/{_trade(w)['checkout'].pk}/shipping-options/",
        _buyer_only(anon=404),
    ),
    Case(
        "checkout-complete",
        "post",
        lambda w: f"/api/v1/checkouts/{_trade(w)['checkout'].pk}/complete/",
        _buyer_only(anon=404, outsider=400),
    ),
    Case(
        "stripe-webhook",
        "post",
        lambda w: "/api/v1/payments/stripe/webhook/",
        _all(400),
        lambda w, r: {"id": "evt_x", "type": "payment_intent.succeeded"},
    ),
    Case(
        "dummy-payment-confirm",
        "post",
        lambda w: "/api/v1/payments/dummy/confirm/",
        _all(400),
        lambda w, r: {"client_secret": "nope", "card_number": "4242424242424242"},
    ),
    Case("order-list", "get", lambda w: "/api/v1/orders/", _all(200, anon=401)),
    Case("order-detail", "get", lambda w: f"/api/v1/orders/{_trade(w)['order'].pk}/", _buyer_only(operator=200)),
    Case(
        "order-cancel",
        "post",
        lambda w: f"/api/v1/orders/{_trade(w)['order'].pk}/cancel/",
        _buyer_only(operator=200),
        lambda w, r: {},
    ),
    Case(
        "order-refunds",
        "post",
        lambda w: f"/api/v1/orders/{_trade(w)['order'].pk}/refunds/",
        _buyer_only(outsider=403, operator=409),
        lambda w, r: {"amount": {"amount": "10", "currency": "JPY"}, "reason": "goodwill"},
    ),
    Case("seller-order-list", "get", lambda w: "/api/v1/seller/orders/", _all(200, anon=401)),
    Case(
        "seller-order-detail",
        "get",
        lambda w: f"/api/v1/seller/orders/{_trade(w)['order'].pk}/",
        {"anon": 401, "outsider": 404, "viewer": 404, "member": 200, "lead": 404, "operator": 404},
    ),
    Case("return-list", "get", lambda w: "/api/v1/returns/", _all(200, anon=401)),
    Case(
        "return-list",
        "post",
        lambda w: "/api/v1/returns/",
        _all(400, anon=401, outsider=409),
        lambda w, r: {"order_line": _trade(w)["line"].pk, "quantity": 1, "reason": "damaged"},
    ),
    Case(
        "return-detail",
        "get",
        lambda w: f"/api/v1/returns/{_trade(w)['request'].pk}/",
        {"anon": 401, "outsider": 200, "viewer": 404, "member": 200, "lead": 404, "operator": 200},
    ),
    Case(  # the world's return is not approved, so it has no label yet: 409 to whoever sees it
        "return-label",
        "get",
        lambda w: f"/api/v1/returns/{_trade(w)['request'].pk}/label/",
        {"anon": 401, "outsider": 409, "viewer": 404, "member": 409, "lead": 404, "operator": 409},
    ),
    _return_op("approve", operator=409),  # the world has no returns centre
    _return_op("reject", {"reason": "Outside the policy"}),
    _return_op("receive", {"quantity_received": 1, "quantity_damaged": 0}, operator=404),  # no label yet
    _return_op("inspect", {"grades": {"A": 1}}, operator=404),
    _return_op("resolve", {"disposition": "restock"}, operator=404),
    # Customs: the lead company's own goods consigned by an operator to Japan (see _customs). Customs
    # steps and dispatch are operators'; SME staff read what their company exports or made; a brand
    # consignment is created by the brand lead's owners (the world's brand is forming: 409).
    Case("consignment-list", "get", lambda w: "/api/v1/consignments/", _all(200, anon=401)),
    Case(
        "consignment-list",
        "post",
        lambda w: "/api/v1/consignments/",
        {"anon": 401, "outsider": 403, "viewer": 403, "member": 403, "lead": 409, "operator": 201},
        lambda w, r: _consignment_body(w, r),
    ),
    Case(
        "consignment-detail",
        "get",
        lambda w: f"/api/v1/consignments/{_customs(w, 'consignment').pk}/",
        {"anon": 401, "outsider": 404, "viewer": 200, "member": 404, "lead": 200, "operator": 200},
    ),
    Case(
        "consignment-declare",
        "post",
        lambda w: f"/api/v1/consignments/{_customs(w, 'consignment').pk}/declare/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 404, "lead": 403, "operator": 201},
    ),
    Case(
        "consignment-dispatch",
        "post",
        lambda w: f"/api/v1/consignments/{_customs(w, 'cleared').consignment_id}/dispatch/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 404, "lead": 403, "operator": 201},
        lambda w, r: {"carrier": "Sagawa", "tracking_number": f"SG-{r}"},
    ),
    Case(
        "consignment-cancel",
        "post",
        lambda w: f"/api/v1/consignments/{_customs(w, 'consignment').pk}/cancel/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 404, "lead": 403, "operator": 200},
    ),
    Case("customs-declaration-list", "get", lambda w: "/api/v1/customs-declarations/", _all(200, anon=401)),
    Case(
        "customs-declaration-detail",
        "get",
        lambda w: f"/api/v1/customs-declarations/{_customs(w, 'draft').pk}/",
        {"anon": 401, "outsider": 404, "viewer": 200, "member": 404, "lead": 200, "operator": 200},
    ),
    Case(
        "customs-declaration-submit",
        "post",
        lambda w: f"/api/v1/customs-declarations/{_customs(w, 'draft').pk}/submit/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 404, "lead": 403, "operator": 200},
    ),
    Case(
        "customs-declaration-clear",
        "post",
        lambda w: f"/api/v1/customs-declarations/{_customs(w, 'submitted').pk}/clear/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 404, "lead": 403, "operator": 200},
    ),
    Case(
        "customs-declaration-hold",
        "post",
        lambda w: f"/api/v1/customs-declarations/{_customs(w, 'submitted').pk}/hold/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 404, "lead": 403, "operator": 200},
        lambda w, r: {"reason": "Invoice value queried."},
    ),
    Case(
        "customs-declaration-release",
        "post",
        lambda w: f"/api/v1/customs-declarations/{_customs(w, 'held').pk}/release/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 404, "lead": 403, "operator": 200},
    ),
    Case(
        "duty-estimate",
        "get",
        lambda w: "/api/v1/duty-estimate/?destination=JP&currency=USD&hs_code=940540&value=120&origin=KR",
        _all(200, anon=401),
    ),
    # Duty reconciliation: operators record final bills of submitted declarations (see _bill) and read
    # the variance report; SME staff read the bills of their company's exports.
    Case("duty-bill-list", "get", lambda w: "/api/v1/duty-bills/", _all(200, anon=401)),
    Case(
        "duty-bill-list",
        "post",
        lambda w: "/api/v1/duty-bills/",
        _all(403, anon=401, operator=201),
        lambda w, r: {
            "declaration": _customs(w, "submitted").pk,
            "billed_by": "Yamato",
            "reference": f"YM-{r}",
            "duty": {"amount": "1.00", "currency": "USD"},
            "tax": {"amount": "6.00", "currency": "USD"},
        },
    ),
    Case(
        "duty-bill-detail",
        "get",
        lambda w: f"/api/v1/duty-bills/{_bill(w).pk}/",
        {"anon": 401, "outsider": 404, "viewer": 200, "member": 404, "lead": 200, "operator": 200},
    ),
    Case(
        "duty-bill-import",
        "post",
        lambda w: "/api/v1/duty-bills/import/",
        _all(403, anon=401, operator=400),  # the operator's file has a header and no bill
        lambda w, r: {"file": SimpleUploadedFile("b.csv", b"declaration,billed_by,reference,currency,duty,tax\r\n")},
        fmt="multipart",
    ),
    Case(
        "duty-bill-variance-report",
        "get",
        lambda w: "/api/v1/duty-bills/variance-report/",
        _all(403, anon=401, operator=200),
    ),
    # Duty drawback (see _drawback): operators file and move claims; the credited exporter's staff read.
    Case("drawback-claim-list", "get", lambda w: "/api/v1/drawback-claims/", _all(200, anon=401)),
    Case(
        "drawback-claim-list",
        "post",
        lambda w: "/api/v1/drawback-claims/",
        _all(403, anon=401, operator=201),
        lambda w, r: {
            "declaration": _drawback(w).declaration_id,
            "disposition": "destroyed",
            "reference": f"CBP-{r}",
            "lines": [{"line": _drawback(w).lines[0]["line"], "quantity": 1}],
        },
    ),
    Case(
        "drawback-claim-detail",
        "get",
        lambda w: f"/api/v1/drawback-claims/{_drawback(w).pk}/",
        {"anon": 401, "outsider": 404, "viewer": 200, "member": 404, "lead": 200, "operator": 200},
    ),
    Case(
        "drawback-claim-submit",
        "post",
        lambda w: f"/api/v1/drawback-claims/{_drawback(w).pk}/submit/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 404, "lead": 403, "operator": 200},
        lambda w, r: {"customs_reference": "ACE-1"},
    ),
    Case(
        "drawback-claim-refund",
        "post",
        lambda w: f"/api/v1/drawback-claims/{_drawback(w).pk}/refund/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 404, "lead": 403, "operator": 409},  # not submitted
        lambda w, r: {"amount": {"amount": "0.10", "currency": "USD"}},
    ),
    Case(
        "drawback-claim-reject",
        "post",
        lambda w: f"/api/v1/drawback-claims/{_drawback(w).pk}/reject/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 404, "lead": 403, "operator": 200},
        lambda w, r: {"reason": "Export not proven."},
    ),
    # FTA origin (see _origin): the member's product declared under KORUS; its SME staff declare,
    # operators verify or reject.
    Case("trade-agreement-list", "get", lambda w: "/api/v1/trade-agreements/", _all(200, anon=401)),
    Case("origin-qualification-list", "get", lambda w: "/api/v1/origin-qualifications/", _all(200, anon=401)),
    Case(
        "origin-qualification-list",
        "post",
        lambda w: "/api/v1/origin-qualifications/",
        _all(400, anon=401, member=201),
        lambda w, r: {
            "product": w.product.pk,
            "agreement": "KORUS",
            "criterion": "tariff_shift",
            "declaration": "CTH from Korean hanji.",
            "supporting_document": SimpleUploadedFile("bom.pdf", b"%PDF-1.4", "application/pdf"),
            "valid_from": "2025-01-01",
        },
        fmt="multipart",
    ),
    Case(
        "origin-qualification-detail",
        "get",
        lambda w: f"/api/v1/origin-qualifications/{_origin(w).pk}/",
        {"anon": 401, "outsider": 404, "viewer": 404, "member": 200, "lead": 404, "operator": 200},
    ),
    Case(
        "origin-qualification-verify",
        "post",
        lambda w: f"/api/v1/origin-qualifications/{_origin(w).pk}/verify/",
        {"anon": 401, "outsider": 404, "viewer": 404, "member": 403, "lead": 404, "operator": 200},
    ),
    Case(
        "origin-qualification-reject",
        "post",
        lambda w: f"/api/v1/origin-qualifications/{_origin(w).pk}/reject/",
        {"anon": 401, "outsider": 404, "viewer": 404, "member": 403, "lead": 404, "operator": 200},
        lambda w, r: {"reason": "No bill of materials."},
    ),
    # Syndication (see _synd): a channel, the member's product listed on it, and a queued job.
    Case("channel-list", "get", lambda w: "/api/v1/channels/", _all(200, anon=401)),
    Case("channel-listing-list", "get", lambda w: "/api/v1/channel-listings/?channel=amazon", _all(200, anon=401)),
    Case(
        "channel-listing-detail",
        "get",
        lambda w: f"/api/v1/channel-listings/{_synd(w)['listing'].pk}/",
        {"anon": 401, "outsider": 404, "viewer": 404, "member": 200, "lead": 404, "operator": 200},
    ),
    Case(
        "syndication-job-list",
        "get",
        lambda w: "/api/v1/syndication-jobs/",
        _all(403, anon=401, operator=200),
    ),
    Case(
        "syndication-job-list",
        "post",
        lambda w: "/api/v1/syndication-jobs/",
        _all(403, anon=401, operator=201),
        lambda w, r: {"channel": _synd(w)["channel"].code, "mode": "full"},
    ),
    Case(
        "syndication-job-detail",
        "get",
        lambda w: f"/api/v1/syndication-jobs/{_synd(w)['job'].pk}/",
        _all(403, anon=401, operator=200),
    ),
    Case(
        "syndication-job-cancel",
        "post",
        lambda w: f"/api/v1/syndication-jobs/{_synd(w)['job'].pk}/cancel/",
        _all(403, anon=401, operator=200),
    ),
    Case(
        "product-readiness",
        "get",
        lambda w: f"/api/v1/products/{_synd(w)['listing'].product_id}/readiness/",
        {"anon": 401, "outsider": 404, "viewer": 404, "member": 200, "lead": 404, "operator": 200},
    ),
]


def _inbound_body(company):
    from tests.logistics.helpers import network

    variant = product(company).variants.get()
    return {"company": company.pk, "warehouse": network()["lax"].pk, "lines": [{"variant": variant.pk, "quantity": 3}]}


def _inbound(w, status):
    """The lead company's inbound shipment of 3 units, taken through the services to `status`
    on first use and kept on the world for the rest of the test."""
    from logistics.services import (
        InboundCount,
        InboundInspection,
        InboundLineSpec,
        inbound_create,
        inbound_dispatch,
        inbound_inspect,
        inbound_receive,
    )
    from tests.logistics.helpers import network

    if status not in w.inbound:
        lead, operator = w.users["lead"], w.users["operator"]
        company = w.companies["lead"]
        line = InboundLineSpec(product(company).variants.get().pk, 3)
        shipment = inbound_create(actor=lead, company=company, warehouse=network()["lax"], lines=[line])
        steps = [
            lambda s: inbound_dispatch(actor=lead, shipment=s, carrier="CJ", tracking_number="CJ-1"),
            lambda s: inbound_receive(
                actor=operator, shipment=s, counts=[InboundCount(x.pk, 3) for x in s.lines.all()]
            ),
            lambda s: inbound_inspect(
                actor=operator, shipment=s, results=[InboundInspection(x.pk, 3, 0) for x in s.lines.all()]
            ),
        ]
        for step in steps:
            if shipment.status == status:
                break
            shipment = step(shipment)
        w.inbound[status] = shipment
    return w.inbound[status]


def _outbound(w):
    """A requested fulfilment, a shipment in transit and a physical return (label created) of
    the world's product, made through the services on first use and kept on the world."""
    if not w.outbound:
        from logistics.services import (
            Line,
            fulfilment_pack,
            fulfilment_pick,
            fulfilment_ship,
            fulfilments_request,
            physical_return_create,
            stock_reserve,
        )
        from tests.logistics.helpers import network, receive

        operator, variant = w.users["operator"], w.product.variants.get()
        receive(variant, network()["lax"], 10)
        destination = {"recipient_name": "Jane", "address_lines": ["1 Main St"], "city": "LA", "country": "US"}
        fulfilments = {}
        for reference in ("order:perm-1", "order:perm-2"):
            stock_reserve(reference=reference, lines=[Line(variant.pk, 2)], destination_country="US")
            (fulfilments[reference],) = fulfilments_request(reference=reference, destination=destination)
        shipped = fulfilments["order:perm-2"]
        fulfilment_pick(fulfilment=shipped, actor=operator)
        parcel = {"weight_kg": "1.2", "length_cm": "30", "width_cm": "20", "height_cm": "10"}
        fulfilment_pack(fulfilment=shipped, parcels=[parcel], actor=operator)
        w.outbound.update(
            requested=fulfilments["order:perm-1"],
            shipment=fulfilment_ship(
                fulfilment=shipped, carrier="DHL", service="express", tracking_number="1ZPERM", actor=operator
            ),
            **{
                "return": physical_return_create(
                    reference="return:perm", destination_country="US", lines=[(variant, 1)], carrier="EMS"
                )
            },
        )
    return w.outbound


# --- The B2B trade desk -----------------------------------------------------------------------
# The outsider's owner is staff of a buyer company whose RFQ (to Japan, in the world's category)
# the member and the lead company each answered with a quote of their own published B2B product;
# the lead is the member's competitor. Made through the services on first use (see _b2b).


def _b2b(w):
    if "b2b_rfq" not in w.trade:
        from collections import Counter
        from datetime import timedelta
        from decimal import Decimal

        from django.utils import timezone

        from logistics.demo import LogisticsDemo
        from marketplace.services.inquiries import inquiry_create
        from marketplace.services.quotes import QuoteLineSpec, quote_create
        from marketplace.services.trade import buyer_company_create, rfq_create
        from tests.factories import published
        from tests.logistics.helpers import receive

        warehouses = LogisticsDemo(Counter()).load_network()["warehouses"]
        buyer = w.users["outsider"]
        company = buyer_company_create(actor=buyer, name="Tokyo Zakka K.K.", country="JP")
        products = {}
        for role in ("member", "lead"):
            products[role] = published(
                product(
                    w.companies[role],
                    mode="b2b",
                    retail_price=None,
                    moq=10,
                    price_tiers=[{"min_quantity": 10, "unit_price": Decimal("9000")}],
                    category=w.category,
                )
            )
            receive(products[role].variants.get(), warehouses["tyo-dc"], 100)
        rfq = rfq_create(
            actor=buyer,
            buyer_company=company,
            title="Lamps",
            description="Paper lamps",
            category=w.category,
            quantity=20,
            currency="USD",
            destination_country="JP",
            deadline=timezone.now() + timedelta(days=7),
        )
        quotes = {
            role: quote_create(
                actor=w.users[role],
                rfq=rfq,
                line=QuoteLineSpec(product=products[role], quantity=20),
                incoterm="DAP",
                valid_until=timezone.localdate() + timedelta(days=7),
                lead_time_days=10,
            )
            for role in ("member", "lead")
        }
        thread = inquiry_create(actor=buyer, product=products["member"], subject="Samples?", body="Two, please.")
        w.trade.update(b2b_company=company, b2b_products=products, b2b_rfq=rfq, b2b_quotes=quotes, b2b_thread=thread)
    return w.trade


def _b2b_order(w):
    """The lead's quote accepted by the buyer on bank-transfer terms: a pending B2B order."""
    from marketplace.services.trade_orders import quote_accept

    t = _b2b(w)
    if "b2b_order" not in t:
        address = {"name": "Sato", "lines": ["1 Ginza"], "city": "Tokyo", "postal_code": "104-0061", "country": "JP"}
        t["b2b_order"], _ = quote_accept(
            actor=w.users["outsider"],
            quote=t["b2b_quotes"]["lead"],
            payment_terms="bank_transfer",
            shipping_address=address,
        )
    return t["b2b_order"]


def _b2b_terms(w):
    """The buyer company verified, the member's price list for it, net terms granted and a
    quote of the member's (on an RFQ of its own, so other rows' acceptances do not touch it)
    accepted on them: an open invoice on terms. Each step once, whatever else the world did."""
    t = _b2b(w)
    if "terms_invoice" not in t:
        from datetime import timedelta

        from django.utils import timezone

        from core.money import Money
        from marketplace.models import BuyerCompany
        from marketplace.services.b2b_terms import PriceEntrySpec, credit_line_grant, price_list_create
        from marketplace.services.quotes import QuoteLineSpec, quote_create
        from marketplace.services.trade import buyer_company_verify, rfq_create
        from marketplace.services.trade_orders import quote_accept

        operator, buyer, seller = w.users["operator"], w.users["outsider"], w.users["member"]
        lamp = t["b2b_products"]["member"]
        company = BuyerCompany.objects.get(pk=t["b2b_company"].pk)
        if not company.verified:
            company = buyer_company_verify(actor=operator, buyer_company=company)
        if "price_list" not in t:
            t["price_list"] = price_list_create(
                actor=seller,
                company=w.companies["member"],
                buyer_company=company,
                name="Negotiated",
                currency="KRW",
                entries=[PriceEntrySpec(lamp, Money(Decimal("8000"), "KRW"), 10)],
            )
        if "credit_line" not in t:
            t["credit_line"] = credit_line_grant(
                actor=operator, buyer_company=company, net_days=30, credit_limit=Money(Decimal("100000"), "USD")
            )
        rfq = rfq_create(
            actor=buyer,
            buyer_company=company,
            title="Lamps on terms",
            description="Paper lamps",
            category=w.category,
            quantity=20,
            currency="USD",
            destination_country="JP",
            deadline=timezone.now() + timedelta(days=7),
        )
        quote = quote_create(
            actor=seller,
            rfq=rfq,
            line=QuoteLineSpec(product=lamp, quantity=20),
            incoterm="DAP",
            valid_until=timezone.localdate() + timedelta(days=7),
            lead_time_days=10,
        )
        address = {"name": "Sato", "lines": ["1 Ginza"], "city": "Tokyo", "postal_code": "104-0061", "country": "JP"}
        order, _ = quote_accept(actor=buyer, quote=quote, payment_terms="net_terms", shipping_address=address)
        t["terms_invoice"] = order.terms_invoice
    return t


def _price_list_body(w, role):
    t = _b2b_terms(w)
    return {
        "company": w.companies["member"].pk,
        "buyer_company": t["b2b_company"].pk,
        "name": f"{role} list",
        "currency": "KRW",
        "entries": [{"product": t["b2b_products"]["member"].pk, "unit_price": {"amount": "7500", "currency": "KRW"}}],
    }


def _seller_and_buyer(**expect):
    """The member sells, the outsider's owner buys; the lead and its viewer are strangers here."""
    return {"anon": 401, "outsider": 200, "viewer": 404, "member": 200, "lead": 404, "operator": 200, **expect}


CASES += [
    Case("price-list-list", "get", lambda w: "/api/v1/price-lists/", _all(200, anon=401)),
    Case(
        "price-list-list",
        "post",
        lambda w: "/api/v1/price-lists/",
        _all(403, anon=401, member=201),
        _price_list_body,
    ),
    Case(
        "price-list-detail",
        "get",
        lambda w: f"/api/v1/price-lists/{_b2b_terms(w)['price_list'].pk}/",
        _seller_and_buyer(),
    ),
    Case(
        "price-list-archive",
        "post",
        lambda w: f"/api/v1/price-lists/{_b2b_terms(w)['price_list'].pk}/archive/",
        _seller_and_buyer(outsider=403),
    ),
    Case("credit-line-list", "get", lambda w: "/api/v1/credit-lines/", _all(200, anon=401)),
    Case(
        "credit-line-list",
        "post",
        lambda w: "/api/v1/credit-lines/",
        _all(403, anon=401, operator=201),
        lambda w, r: {
            "buyer_company": _b2b_terms(w)["b2b_company"].pk,
            "net_days": 60,
            "credit_limit": {"amount": "50000.00", "currency": "USD"},
        },
    ),
    Case(
        "credit-line-detail",
        "get",
        lambda w: f"/api/v1/credit-lines/{_b2b_terms(w)['credit_line'].pk}/",
        _all(404, anon=401, outsider=200, operator=200),
    ),
    Case("terms-invoice-list", "get", lambda w: "/api/v1/terms-invoices/", _all(200, anon=401)),
    Case(
        "terms-invoice-detail",
        "get",
        lambda w: f"/api/v1/terms-invoices/{_b2b_terms(w)['terms_invoice'].pk}/",
        _all(404, anon=401, outsider=200, operator=200),
    ),
    Case(
        "terms-invoice-settle",
        "post",
        lambda w: f"/api/v1/terms-invoices/{_b2b_terms(w)['terms_invoice'].pk}/settle/",
        _all(404, anon=401, outsider=403, operator=200),
        lambda w, r: {"reference": "SWIFT 2"},
    ),
]


def _b2b_quote_body(w, role):
    from datetime import timedelta

    from django.utils import timezone

    products = _b2b(w)["b2b_products"]
    own = products["lead"] if role in ("lead", "viewer") else products["member"]
    return {
        "product": own.pk,
        "quantity": 20,
        "incoterm": "DAP",
        "valid_until": str(timezone.localdate() + timedelta(days=5)),
        "lead_time_days": 10,
    }


def _b2b_rfq_body(w, role):
    return {
        "buyer_company": _b2b(w)["b2b_company"].pk,
        "title": "More lamps",
        "description": "Paper lamps",
        "category": w.category.pk,
        "quantity": 50,
        "currency": "USD",
        "destination_country": "JP",
        "deadline": "2099-01-01T00:00:00Z",
    }


def _buyer_side(**expect):
    """The buyer is the outsider's owner; the member quoted; the lead (and its viewer) compete."""
    return {"anon": 401, "outsider": 200, "viewer": 404, "member": 200, "lead": 404, "operator": 200, **expect}


CASES += [
    Case("buyer-company-list", "get", lambda w: "/api/v1/buyer-companies/", _all(200, anon=401)),
    Case(
        "buyer-company-list",
        "post",
        lambda w: "/api/v1/buyer-companies/",
        _all(201, anon=401),
        lambda w, r: {"name": f"{r} imports", "country": "JP"},
    ),
    Case(
        "buyer-company-detail",
        "get",
        lambda w: f"/api/v1/buyer-companies/{_b2b(w)['b2b_company'].pk}/",
        _all(404, anon=401, outsider=200, operator=200),
    ),
    Case(
        "buyer-company-staff",
        "post",
        lambda w: f"/api/v1/buyer-companies/{_b2b(w)['b2b_company'].pk}/staff/",
        _all(404, anon=401, outsider=201, operator=403),
        lambda w, r: {"email": UserFactory().email},
    ),
    Case(
        "buyer-company-verify",
        "post",
        lambda w: f"/api/v1/buyer-companies/{_b2b(w)['b2b_company'].pk}/verify/",
        _all(404, anon=401, outsider=403, operator=200),
    ),
    Case("rfq-list", "get", lambda w: "/api/v1/rfqs/", _all(200, anon=401)),
    Case("rfq-list", "post", lambda w: "/api/v1/rfqs/", _all(400, anon=401, outsider=201), _b2b_rfq_body),
    Case("rfq-detail", "get", lambda w: f"/api/v1/rfqs/{_b2b(w)['b2b_rfq'].pk}/", _all(200, anon=401)),
    Case(
        "rfq-close",
        "post",
        lambda w: f"/api/v1/rfqs/{_b2b(w)['b2b_rfq'].pk}/close/",
        _all(403, anon=401, outsider=200),
    ),
    Case("rfq-quotes", "get", lambda w: f"/api/v1/rfqs/{_b2b(w)['b2b_rfq'].pk}/quotes/", _all(200, anon=401)),
    Case(
        "rfq-quotes",
        "post",
        lambda w: f"/api/v1/rfqs/{_b2b(w)['b2b_rfq'].pk}/quotes/",
        {"anon": 401, "outsider": 400, "viewer": 403, "member": 201, "lead": 201, "operator": 400},
        _b2b_quote_body,
    ),
    Case(
        "rfq-brand-quotes",
        "post",
        lambda w: f"/api/v1/rfqs/{_b2b(w)['b2b_rfq'].pk}/brand-quotes/",
        _all(403, anon=401, lead=409),
        lambda w, r: {
            "brand": w.brand.slug,
            "lines": [{"product": _b2b(w)["b2b_products"]["member"].pk, "quantity": 20}],
            "incoterm": "DAP",
            "valid_until": "2099-01-01",
            "lead_time_days": 10,
        },
    ),
    Case("quote-list", "get", lambda w: "/api/v1/quotes/", _all(200, anon=401)),
    Case("quote-detail", "get", lambda w: f"/api/v1/quotes/{_b2b(w)['b2b_quotes']['member'].pk}/", _buyer_side()),
    Case(
        "quote-accept",
        "post",
        lambda w: f"/api/v1/quotes/{_b2b(w)['b2b_quotes']['member'].pk}/accept/",
        _buyer_side(outsider=201, member=403, operator=403),
        lambda w, r: {
            "payment_terms": "card",
            "shipping_address": {
                "name": "Sato",
                "lines": ["1 Ginza"],
                "city": "Tokyo",
                "postal_code": "104-0061",
                "country": "JP",
            },
        },
    ),
    Case(
        "quote-withdraw",
        "post",
        lambda w: f"/api/v1/quotes/{_b2b(w)['b2b_quotes']['member'].pk}/withdraw/",
        _buyer_side(outsider=403, operator=403),
    ),
    Case(
        "quote-decline",
        "post",
        lambda w: f"/api/v1/quotes/{_b2b(w)['b2b_quotes']['member'].pk}/decline/",
        _buyer_side(member=403, operator=403),
        lambda w, r: {"reason": "Too slow"},
    ),
    Case(
        "b2b-order-confirm-payment",
        "post",
        lambda w: f"/api/v1/b2b-orders/{_b2b_order(w).pk}/confirm-payment/",
        _all(404, anon=401, outsider=403, operator=200),
        lambda w, r: {"reference": "SWIFT 1"},
    ),
    Case("inquiry-list", "get", lambda w: "/api/v1/inquiries/", _all(200, anon=401)),
    Case(
        "inquiry-list",
        "post",
        lambda w: "/api/v1/inquiries/",
        _all(201, anon=401, member=400),
        lambda w, r: {"product": _b2b(w)["b2b_products"]["member"].pk, "subject": "Price?", "body": "For 500?"},
    ),
    Case("inquiry-detail", "get", lambda w: f"/api/v1/inquiries/{_b2b(w)['b2b_thread'].pk}/", _buyer_side()),
    Case(
        "inquiry-messages",
        "post",
        lambda w: f"/api/v1/inquiries/{_b2b(w)['b2b_thread'].pk}/messages/",
        _buyer_side(outsider=201, member=201, operator=201),
        lambda w, r: {"body": "Any news?"},
    ),
]


def _settlement(w, key):
    """A support programme and a pending bank payout of the member company, made on first use."""
    from datetime import date
    from decimal import Decimal

    from marketplace.models import Payout, Statement
    from marketplace.services.programmes import programme_create

    if "programme" not in w.trade:
        w.trade["programme"] = programme_create(
            actor=w.users["operator"],
            name="Permission programme",
            sponsor="KOTRA",
            starts_on=date(2026, 1, 1),
            ends_on=date(2027, 12, 31),
            currency="KRW",
            budget=Decimal(10_000_000),
            per_company_cap=Decimal(1_000_000),
            share=Decimal("0.7"),
            fee_kinds=["fulfilment"],
        )
        member = w.companies["member"]
        statement = Statement.objects.create(
            company=member,
            period="2026-10",
            currency="KRW",
            sales=1000,
            refunds=0,
            commission=80,
            fees=0,
            programme_covered=0,
            brand_fund=0,
            chargebacks=0,
            net=920,
        )
        w.trade["payout"] = Payout.objects.create(
            company=member,
            statement=statement,
            period="2026-10",
            amount=920,
            currency="KRW",
            method=Payout.Method.BANK_TRANSFER,
            idempotency_key=f"payout:{member.pk}:2026-10",
        )
    return w.trade[key]


def _programme_body(w, role):
    return {
        "name": f"Programme of {role}",
        "sponsor": "MSS",
        "starts_on": "2026-01-01",
        "ends_on": "2027-12-31",
        "budget": {"amount": "1000000", "currency": "KRW"},
        "per_company_cap": {"amount": "100000", "currency": "KRW"},
        "share": "0.7",
        "fee_kinds": ["fulfilment"],
    }


def _voucher_body(w, role):
    return {
        "company": w.companies["member"].pk,
        "amount": {"amount": "50000", "currency": "KRW"},
        "fee_kinds": ["fulfilment"],
        "expires_on": "2027-06-30",
    }


def _member_company_only(**expect):
    return {"anon": 401, "outsider": 404, "viewer": 404, "member": 200, "lead": 404, "operator": 200, **expect}


CASES += [
    # Fees, support programmes and settlement (marketplace): programmes are operators' business;
    # a company's fees and statements its staff's; payouts operators' and, read-only, their company's.
    Case("programme-list", "get", lambda w: "/api/v1/programmes/", _all(403, anon=401, operator=200)),
    Case("programme-list", "post", lambda w: "/api/v1/programmes/", _all(403, anon=401, operator=201), _programme_body),
    Case(
        "programme-detail",
        "get",
        lambda w: f"/api/v1/programmes/{_settlement(w, 'programme').pk}/",
        _all(403, anon=401, operator=200),
    ),
    Case(
        "programme-vouchers",
        "post",
        lambda w: f"/api/v1/programmes/{_settlement(w, 'programme').pk}/vouchers/",
        _all(403, anon=401, operator=201),
        _voucher_body,
    ),
    Case(
        "programme-report",
        "get",
        lambda w: f"/api/v1/programmes/{_settlement(w, 'programme').pk}/report/",
        _all(403, anon=401, operator=200),
    ),
    Case(
        "company-fee-list",
        "get",
        lambda w: f"/api/v1/companies/{w.companies['member'].pk}/fees/",
        _member_company_only(),
    ),
    Case(
        "company-statement-list",
        "get",
        lambda w: f"/api/v1/companies/{w.companies['member'].pk}/statements/",
        _member_company_only(),
    ),
    Case(
        "company-statement-detail",
        "get",
        lambda w: f"/api/v1/companies/{w.companies['member'].pk}/statements/2026-10/",
        _member_company_only(),
    ),
    Case("payout-list", "get", lambda w: "/api/v1/payouts/", _all(200, anon=401)),
    Case("payout-detail", "get", lambda w: f"/api/v1/payouts/{_settlement(w, 'payout').pk}/", _member_company_only()),
    Case(
        "payout-confirm",
        "post",
        lambda w: f"/api/v1/payouts/{_settlement(w, 'payout').pk}/confirm/",
        _member_company_only(member=403),
        lambda w, r: {"reference": "KB-1"},
    ),
]


def _promotion(w):
    """A promotion of the member company on the world's product, and an address in the outsider
    owner's address book, made on first use."""
    if "promotion" not in w.trade:
        from django.utils import timezone

        from marketplace.services.addresses import buyer_address_create
        from marketplace.services.promotions import promotion_create

        w.trade["promotion"] = promotion_create(
            actor=w.users["member"],
            name="Member sale",
            code="MEMBER10",
            kind="percentage",
            percent=Decimal("0.1"),
            company=w.companies["member"],
            products=[w.product],
            starts_at=timezone.now(),
        )
        w.trade["address"] = buyer_address_create(
            user=w.users["outsider"],
            address={"name": "Sato", "lines": ["1 Ginza"], "city": "Tokyo", "postal_code": "104-0061", "country": "JP"},
        )
    return w.trade


def _promotion_body(w, role):
    # Each SME may promote only its own company's products: the member company owns the product.
    return {
        "name": "Spring",
        "code": "SPRING-1",
        "kind": "percentage",
        "percent": "0.15",
        "company": w.companies["member"].pk,
        "products": [w.product.pk],
        "starts_at": "2026-03-01T00:00:00Z",
    }


ADDRESS = {"name": "Sato", "lines": ["1 Ginza"], "city": "Tokyo", "postal_code": "104-0061", "country": "JP"}

CASES += [
    # Promotions: SME staff their own companies' (editors write), operators any. Address books: each user their own.
    Case("promotion-list", "get", lambda w: "/api/v1/promotions/", _all(200, anon=401)),
    Case(
        "promotion-list",
        "post",
        lambda w: "/api/v1/promotions/",
        _all(400, anon=401, member=201, operator=201),
        _promotion_body,
    ),
    Case(
        "promotion-detail",
        "get",
        lambda w: f"/api/v1/promotions/{_promotion(w)['promotion'].pk}/",
        _member_company_only(),
    ),
    Case(
        "promotion-detail",
        "patch",
        lambda w: f"/api/v1/promotions/{_promotion(w)['promotion'].pk}/",
        _member_company_only(),
        lambda w, r: {"usage_limit": 50},
    ),
    Case(
        "promotion-detail",
        "delete",
        lambda w: f"/api/v1/promotions/{_promotion(w)['promotion'].pk}/",
        _member_company_only(member=204, operator=204),
    ),
    Case("buyer-address-list", "get", lambda w: "/api/v1/addresses/", _all(200, anon=401)),
    Case(
        "buyer-address-list",
        "post",
        lambda w: "/api/v1/addresses/",
        _all(201, anon=401),
        lambda w, r: {"label": "Home", "address": ADDRESS},
    ),
    Case("buyer-address-detail", "get", lambda w: f"/api/v1/addresses/{_promotion(w)['address'].pk}/", _buyer_only()),
    Case(
        "buyer-address-detail",
        "patch",
        lambda w: f"/api/v1/addresses/{_promotion(w)['address'].pk}/",
        _buyer_only(),
        lambda w, r: {"label": "Office"},
    ),
    Case(
        "buyer-address-detail",
        "delete",
        lambda w: f"/api/v1/addresses/{_promotion(w)['address'].pk}/",
        _buyer_only(outsider=204),
    ),
]


def _pdf(name="doc.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


def _seller_application(w, status):
    """The member company's seller application, a draft or submitted (each test makes one)."""
    from brands.services import seller_application_create, seller_application_submit

    if "seller_application" not in w.trade:
        owner = w.users["member"]
        application = seller_application_create(
            actor=owner,
            company=w.companies["member"],
            registration_certificate=_pdf(),
            figures_document=_pdf(),
        )
        if status == "submitted":
            application = seller_application_submit(actor=owner, application=application)
        w.trade["seller_application"] = application
    return w.trade["seller_application"]


def _member_only(**expect):
    return {"anon": 401, "outsider": 404, "viewer": 404, "member": 200, "lead": 404, "operator": 200, **expect}


CASES += [
    # Seller onboarding (brands): owners apply for their companies; operators evaluate and decide.
    Case("seller-application-list", "get", lambda w: "/api/v1/seller-applications/", _all(200, anon=401)),
    Case(
        "seller-application-list",
        "post",
        lambda w: "/api/v1/seller-applications/",
        _all(201, anon=401, viewer=403),
        lambda w, r: {"company": w.own_company(r).pk, "registration_certificate": _pdf()},
        fmt="multipart",
    ),
    Case(
        "seller-application-detail",
        "get",
        lambda w: f"/api/v1/seller-applications/{_seller_application(w, 'draft').pk}/",
        _member_only(),
    ),
    Case(
        "seller-application-submit",
        "post",
        lambda w: f"/api/v1/seller-applications/{_seller_application(w, 'draft').pk}/submit/",
        _member_only(),
    ),
    Case(
        "seller-application-training",
        "post",
        lambda w: f"/api/v1/seller-applications/{_seller_application(w, 'draft').pk}/training/",
        _member_only(),
        lambda w, r: {"module": "platform_rules"},
    ),
    Case(
        "seller-application-evaluate",
        "post",
        lambda w: f"/api/v1/seller-applications/{_seller_application(w, 'submitted').pk}/evaluate/",
        _member_only(member=403),
        lambda w, r: {"checklist": {"registration_matches": True}, "notes": "Checked."},
    ),
    Case(
        "seller-application-approve",
        "post",
        lambda w: f"/api/v1/seller-applications/{_seller_application(w, 'submitted').pk}/approve/",
        _member_only(member=403, operator=409),  # 409: the checklist is not complete
        lambda w, r: {"reasons": "Documents in order."},
    ),
    Case(
        "seller-application-reject",
        "post",
        lambda w: f"/api/v1/seller-applications/{_seller_application(w, 'submitted').pk}/reject/",
        _member_only(member=403),
        lambda w, r: {"reasons": "Unreadable."},
    ),
]


def _voucher(w, key):
    """The export voucher's world, made on first use: a programme that covers services, a
    translation service, the member company's voucher (through an approved application) and, as
    asked, its submitted application, an order in a state, or a provider payout."""
    from datetime import date

    from marketplace.models import ProgrammeApplication, ProviderPayout, ServiceProvider, SupportService, Voucher
    from marketplace.services import service_orders
    from marketplace.services import vouchers as services
    from marketplace.services.programmes import programme_create

    v = w.trade.setdefault("voucher", {})
    if "programme" not in v:
        v["programme"] = programme_create(
            actor=None,
            name="Permission voucher",
            sponsor="MSS",
            starts_on=date(2026, 1, 1),
            ends_on=date(2030, 12, 31),
            currency="KRW",
            budget=Decimal(100_000_000),
            per_company_cap=Decimal(10_000_000),
            share=Decimal("0.7"),
            fee_kinds=[],
            covers_services=True,
            year_shares=["0.8", "0.5"],
        )
        v["provider"] = ServiceProvider.objects.create(name="Permission Translation", kind="translation")
        v["service"] = SupportService.objects.create(
            provider=v["provider"],
            code="translation",
            name_translations={"en": "Translation"},
            stage="preparation",
            sub_group="development_manufacturing",
            price=Decimal(1_000_000),
            currency="KRW",
        )
    member, owner, operator = w.companies["member"], w.users["member"], w.users["operator"]

    def apply():
        return services.programme_application_submit(
            actor=owner,
            programme=v["programme"],
            company=member,
            amount=Money(Decimal(5_000_000), "KRW"),
            plan="Translate the catalogue.",
            sub_groups=[],
        )

    applications = ProgrammeApplication.objects.filter(programme=v["programme"], company=member)
    if key == "application" and key not in v:
        v[key] = applications.first() or apply()
    if key in ("voucher", "ordered", "delivered", "disputed") and "voucher" not in v:
        v["voucher"] = Voucher.objects.filter(programme=v["programme"], company=member).first()
        if v["voucher"] is None:
            application = applications.filter(status="submitted").first() or apply()
            v["voucher"] = services.programme_application_decide(
                actor=operator, application=application, approve=True, reasons="Fits."
            ).voucher
    if key in ("ordered", "delivered", "disputed") and key not in v:
        order = service_orders.service_order_place(actor=owner, voucher=v["voucher"], service=v["service"])
        if key in ("delivered", "disputed"):
            order = service_orders.service_order_deliver(actor=operator, order=order)
        if key == "disputed":
            order = service_orders.service_order_dispute(actor=owner, order=order, reason="Late.")
        v[key] = order
    if key == "payout" and key not in v:
        v[key] = ProviderPayout.objects.create(
            provider=v["provider"], programme=v["programme"], period="2026-01", amount=Decimal(800_000), currency="KRW"
        )
    return v[key]


def _order_case(action, state, body=None, **expect):
    return Case(
        f"service-order-{action}",
        "post",
        lambda w: f"/api/v1/service-orders/{_voucher(w, state).pk}/{action}/",
        _member_only(**expect),
        lambda w, r: body or {},
    )


CASES += [
    # The export voucher: the catalogue is read by every signed-in user and edited by operators;
    # applications and orders are their company's and operators'; provider settlement operators'.
    Case("service-provider-list", "get", lambda w: "/api/v1/service-providers/", _all(200, anon=401)),
    Case(
        "service-provider-list",
        "post",
        lambda w: "/api/v1/service-providers/",
        _all(403, anon=401, operator=201),
        lambda w, r: {"name": f"Provider of {r}", "kind": "translation"},
    ),
    Case(
        "service-provider-detail",
        "get",
        lambda w: f"/api/v1/service-providers/{_voucher(w, 'provider').pk}/",
        _all(200, anon=401),
    ),
    Case(
        "service-provider-statement",
        "get",
        lambda w: f"/api/v1/service-providers/{_voucher(w, 'provider').pk}/statement/?period=2026-01",
        _all(403, anon=401, operator=200),
    ),
    Case("support-service-list", "get", lambda w: "/api/v1/support-services/", _all(200, anon=401)),
    Case(
        "support-service-list",
        "post",
        lambda w: "/api/v1/support-services/",
        _all(403, anon=401, operator=201),
        lambda w, r: {
            "provider": _voucher(w, "provider").pk,
            "code": f"photos-{r}",
            "name_translations": {"en": "Photos"},
            "stage": "beginning",
            "sub_group": "promotion_marketing",
            "price": {"amount": "300000", "currency": "KRW"},
        },
    ),
    Case(
        "support-service-detail",
        "get",
        lambda w: f"/api/v1/support-services/{_voucher(w, 'service').pk}/",
        _all(200, anon=401),
    ),
    Case("programme-application-list", "get", lambda w: "/api/v1/programme-applications/", _all(200, anon=401)),
    Case(
        "programme-application-list",
        "post",
        lambda w: "/api/v1/programme-applications/",
        _all(201, anon=401, viewer=403),
        lambda w, r: {
            "programme": _voucher(w, "programme").pk,
            "company": w.own_company(r).pk,
            "amount": {"amount": "1000000", "currency": "KRW"},
            "plan": "Exhibit in Tokyo.",
        },
    ),
    Case(
        "programme-application-detail",
        "get",
        lambda w: f"/api/v1/programme-applications/{_voucher(w, 'application').pk}/",
        _member_only(),
    ),
    Case(
        "programme-application-approve",
        "post",
        lambda w: f"/api/v1/programme-applications/{_voucher(w, 'application').pk}/approve/",
        _member_only(member=403),
        lambda w, r: {"reasons": "A clear plan."},
    ),
    Case(
        "programme-application-reject",
        "post",
        lambda w: f"/api/v1/programme-applications/{_voucher(w, 'application').pk}/reject/",
        _member_only(member=403),
        lambda w, r: {"reasons": "No plan."},
    ),
    Case("service-order-list", "get", lambda w: "/api/v1/service-orders/", _all(200, anon=401)),
    Case(
        "service-order-list",
        "post",
        lambda w: "/api/v1/service-orders/",
        _all(400, anon=401, member=201, operator=201),  # 400: another company's voucher is no voucher
        lambda w, r: {"voucher": _voucher(w, "voucher").pk, "service": _voucher(w, "service").pk},
    ),
    Case(
        "service-order-detail",
        "get",
        lambda w: f"/api/v1/service-orders/{_voucher(w, 'ordered').pk}/",
        _member_only(),
    ),
    _order_case("deliver", "ordered", member=403),
    _order_case("confirm", "delivered"),
    _order_case("dispute", "delivered", {"reason": "Half of it is missing."}),
    _order_case("resolve", "disputed", {"outcome": "delivered", "reason": "It was sent."}, member=403),
    _order_case("cancel", "ordered"),
    Case("provider-payout-list", "get", lambda w: "/api/v1/provider-payouts/", _all(403, anon=401, operator=200)),
    Case(
        "provider-payout-run",
        "post",
        lambda w: "/api/v1/provider-payouts/run/",
        _all(403, anon=401, operator=200),
        lambda w, r: {"period": "2026-01"},
    ),
    Case(
        "provider-payout-confirm",
        "post",
        lambda w: f"/api/v1/provider-payouts/{_voucher(w, 'payout').pk}/confirm/",
        _all(403, anon=401, operator=200),
        lambda w, r: {"reference": "KB-1"},
    ),
]


# --- trading-company agents: the member company mandated "agent" for listings and
# "agent_quotes" for quotes only. An agent acts on the member's product as the member's editor
# would (its owner holds editor rights through the mandate); without the listings scope the
# product is another company's, a 404.
AGENT_EXPECT = {
    ("get", "product-list"): {"agent": 200, "agent_quotes": 200},
    ("get", "product-detail"): {"agent": 200, "agent_quotes": 404},
    ("patch", "product-detail"): {"agent": 200, "agent_quotes": 404},
    ("delete", "product-detail"): {"agent": 204, "agent_quotes": 404},
    ("post", "product-submit"): {"agent": 200, "agent_quotes": 404},
    ("post", "product-archive"): {"agent": 200, "agent_quotes": 404},
    ("post", "product-approve"): {"agent": 403, "agent_quotes": 404},
    ("delete", "product-delete-media"): {"agent": 204, "agent_quotes": 404},
    ("get", "company-detail"): {"agent": 404, "agent_quotes": 404},
    ("get", "company-fee-list"): {"agent": 404, "agent_quotes": 404},
    # Quoting the member's product on the buyer's RFQ: the quotes agent may, the listings one
    # does not even see the RFQ.
    ("post", "rfq-quotes"): {"agent": 404, "agent_quotes": 201},
}
for case in CASES:
    case.expect.update(AGENT_EXPECT.get((case.method, case.name), {}))


def _mandate_body(w, role):
    """A quotes mandate from the role's own company to a new trading company."""
    agent = company_with_owner(kind=Company.Kind.TRADING_COMPANY)
    return {"company": w.own_company(role).pk, "agent": agent.pk, "scopes": ["quotes"], "commission_rate": "0.02"}


def _mandate_path(suffix=""):
    return lambda w: f"/api/v1/mandates/{w.mandates['agent'].pk}/{suffix}"


# The member company's listings mandate to "agent": the SME's owner changes and revokes it (an
# operator may too), the agent's owner accepts or declines (409 here: it is active already),
# every other company sees nothing of it.
_MANDATE_HIDDEN = {"anon": 401, "outsider": 404, "viewer": 404, "lead": 404, "agent_quotes": 404}
CASES += [
    Case("trading-company-list", "get", lambda w: "/api/v1/trading-companies/", _all(200, anon=401)),
    Case("mandate-list", "get", lambda w: "/api/v1/mandates/", {**_all(200, anon=401), "agent": 200}),
    Case(
        "mandate-list",
        "post",
        lambda w: "/api/v1/mandates/",
        {"anon": 401, "outsider": 201, "viewer": 400, "member": 201, "lead": 201, "operator": 400},
        _mandate_body,
    ),
    Case("mandate-detail", "get", _mandate_path(), {**_MANDATE_HIDDEN, "member": 200, "operator": 200, "agent": 200}),
    Case(
        "mandate-detail",
        "patch",
        _mandate_path(),
        {**_MANDATE_HIDDEN, "member": 200, "operator": 200, "agent": 403},
        lambda w, r: {"scopes": ["listings", "statements"]},
    ),
    Case(
        "mandate-accept",
        "post",
        _mandate_path("accept/"),
        {**_MANDATE_HIDDEN, "member": 403, "operator": 403, "agent": 409},
    ),
    Case(
        "mandate-decline",
        "post",
        _mandate_path("decline/"),
        {**_MANDATE_HIDDEN, "member": 403, "operator": 403, "agent": 409},
        lambda w, r: {"reason": "No capacity"},
    ),
    Case(
        "mandate-revoke",
        "post",
        _mandate_path("revoke/"),
        {**_MANDATE_HIDDEN, "member": 200, "operator": 200, "agent": 403},
        lambda w, r: {"reason": "Own export office"},
    ),
]


def _match(w):
    """Matchmaking on top of the trade desk's world: the outsider's buyer company verified and in
    the directory, the member's proposal to it, an operator's event next week and the buyer's
    meeting request to the member company, made on first use."""
    t = _b2b(w)
    if "match_meeting" not in t:
        from datetime import timedelta

        from django.utils import timezone

        from marketplace.services.matchmaking import (
            buyer_profile_set,
            matchmaking_event_create,
            meeting_request,
            proposal_send,
        )
        from marketplace.services.trade import buyer_company_verify

        buyer, company = w.users["outsider"], t["b2b_company"]
        company.refresh_from_db()
        if not company.verified:  # the B2B terms' world may have verified it already
            buyer_company_verify(actor=w.users["operator"], buyer_company=company)
        buyer_profile_set(actor=buyer, buyer_company=company, opted_in=True, categories=[w.category])
        t["match_proposal"] = proposal_send(
            actor=w.users["member"],
            company=w.companies["member"],
            buyer_company=company,
            products=[t["b2b_products"]["member"]],
            subject="Lamps",
            terms="MOQ 10",
        )
        start = (timezone.now() + timedelta(days=7)).replace(second=0, microsecond=0)
        t["match_event"] = matchmaking_event_create(
            actor=w.users["operator"],
            name="Buyer day",
            mode="online",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
        )
        t["match_meeting"] = meeting_request(
            actor=buyer, event=t["match_event"], buyer_company=company, company=w.companies["member"]
        )
    return t


def _proposal_body(w, role):
    t = _match(w)
    return {
        "company": w.own_company(role).pk,
        "buyer_company": t["b2b_company"].pk,
        "products": [t["b2b_products"]["member"].pk],
        "subject": "More lamps",
        "terms": "MOQ 10, DAP",
    }


def _meeting_path(suffix=""):
    return lambda w: f"/api/v1/meetings/{_match(w)['match_meeting'].pk}/{suffix}"


# The outsider's owner is the buyer; the member company proposed to it and is asked to a meeting;
# agent_quotes acts for the member in trade, so it sees both.
_PARTIES = {"anon": 401, "viewer": 404, "lead": 404, "agent": 404}
CASES += [
    Case("buyer-directory-list", "get", lambda w: "/api/v1/buyer-directory/", _all(200, anon=401)),
    Case("buyer-profile-list", "get", lambda w: "/api/v1/buyer-profiles/", _all(200, anon=401)),
    Case(
        "buyer-profile-list",
        "post",
        lambda w: "/api/v1/buyer-profiles/",
        _all(403, anon=401, outsider=200),
        lambda w, r: {"buyer_company": _match(w)["b2b_company"].pk, "categories": [w.category.pk]},
    ),
    Case("proposal-list", "get", lambda w: "/api/v1/proposals/", _all(200, anon=401)),
    Case(
        "proposal-list",
        "post",
        lambda w: "/api/v1/proposals/",
        {"anon": 401, "outsider": 400, "viewer": 403, "member": 201, "lead": 400, "operator": 403},
        _proposal_body,
    ),
    Case(
        "proposal-detail",
        "get",
        lambda w: f"/api/v1/proposals/{_match(w)['match_proposal'].pk}/",
        {**_PARTIES, "outsider": 200, "member": 200, "operator": 200, "agent_quotes": 200},
    ),
    Case(
        "proposal-answer",
        "post",
        lambda w: f"/api/v1/proposals/{_match(w)['match_proposal'].pk}/answer/",
        {**_PARTIES, "outsider": 200, "member": 403, "operator": 403, "agent_quotes": 403},
        lambda w, r: {"answer": "interested"},
    ),
    Case("matchmaking-event-list", "get", lambda w: "/api/v1/matchmaking-events/", _all(200, anon=401)),
    Case(
        "matchmaking-event-list",
        "post",
        lambda w: "/api/v1/matchmaking-events/",
        _all(403, anon=401, operator=201),
        lambda w, r: {
            "name": "Online day",
            "mode": "online",
            "starts_at": "2030-03-02T09:00:00Z",
            "ends_at": "2030-03-02T12:00:00Z",
        },
    ),
    Case(
        "matchmaking-event-detail",
        "get",
        lambda w: f"/api/v1/matchmaking-events/{_match(w)['match_event'].pk}/",
        _all(200, anon=401),
    ),
    Case(
        "matchmaking-event-meetings",
        "get",
        lambda w: f"/api/v1/matchmaking-events/{_match(w)['match_event'].pk}/meetings/",
        _all(200, anon=401),
    ),
    Case(
        "matchmaking-event-meetings",
        "post",
        lambda w: f"/api/v1/matchmaking-events/{_match(w)['match_event'].pk}/meetings/",
        {"anon": 401, "outsider": 201, "viewer": 400, "member": 409, "lead": 201, "operator": 400},
        lambda w, r: {"buyer_company": _match(w)["b2b_company"].pk, "company": w.own_company(r).pk},
    ),
    Case("meeting-list", "get", lambda w: "/api/v1/meetings/", _all(200, anon=401)),
    Case(
        "meeting-detail",
        "get",
        _meeting_path(),
        {**_PARTIES, "outsider": 200, "member": 200, "operator": 200, "agent_quotes": 200},
    ),
    Case(
        "meeting-accept",
        "post",
        _meeting_path("accept/"),
        {**_PARTIES, "outsider": 403, "member": 200, "operator": 403, "agent_quotes": 200},
    ),
    Case(
        "meeting-decline",
        "post",
        _meeting_path("decline/"),
        {**_PARTIES, "outsider": 200, "member": 200, "operator": 403, "agent_quotes": 200},
    ),
    Case(
        "meeting-schedule",
        "post",
        _meeting_path("schedule/"),
        {**_PARTIES, "outsider": 403, "member": 403, "operator": 200},
        lambda w, r: {"starts_at": _match(w)["match_event"].starts_at.isoformat()},
    ),
    Case(
        "meeting-notes",
        "post",
        _meeting_path("notes/"),
        {**_PARTIES, "outsider": 409, "member": 409, "operator": 403},
        lambda w, r: {"notes": "Samples by May."},
    ),
]


def _mark(w):
    """A platform mark on the world's product, made on first use."""
    from datetime import timedelta

    from django.utils import timezone

    from marketplace.models import PlatformMark

    if "mark" not in w.trade:
        w.trade["mark"] = PlatformMark.objects.create(
            product=w.product, content_hash=w.product.content_hash, expires_at=timezone.now() + timedelta(days=30)
        )
    return w.trade["mark"]


CASES += [
    # The platform quality mark: operators only (buyers see it on the storefront's product page).
    Case("platform-mark-list", "get", lambda w: "/api/v1/platform-marks/", _all(403, anon=401, operator=200)),
    Case(
        "platform-mark-list",
        "post",
        lambda w: "/api/v1/platform-marks/",
        _all(403, anon=401, operator=409),  # 409: the world's product is not published
        lambda w, r: {
            "product": w.product.pk,
            "results": {code: {"passed": True} for code in PLATFORM_STANDARD},
        },
    ),
    Case(
        "platform-mark-detail",
        "get",
        lambda w: f"/api/v1/platform-marks/{_mark(w).pk}/",
        _all(403, anon=401, operator=200),
    ),
    Case(
        "platform-mark-revoke",
        "post",
        lambda w: f"/api/v1/platform-marks/{_mark(w).pk}/revoke/",
        _all(403, anon=401, operator=200),
        lambda w, r: {"reason": "Complaints."},
    ),
]


def _api_route_names():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern.name

    return {name for path, name in walk(get_resolver().url_patterns) if path.startswith("api/v1/")}


def test_every_api_route_has_a_row():
    missing = _api_route_names() - {case.name for case in CASES}
    assert not missing, f"routes without a permission row: {sorted(missing)}"


def test_a_viewer_cannot_write_anything_and_nothing_changes(api, world):
    lead = world.companies["lead"]
    before = (lead.employees, world.brand.quality_standards.count())
    api.as_user(world.users["viewer"])
    api.patch(f"/api/v1/companies/{lead.pk}/", {"employees": 1})
    api.put(f"/api/v1/brands/{world.brand.slug}/quality-standard/", {"items": [{"code": "x", "text": "y"}]})
    lead.refresh_from_db()
    assert (lead.employees, world.brand.quality_standards.count()) == before


def test_no_user_can_read_another_users_company_by_guessing_ids(api, world):
    api.as_user(UserFactory())
    for company in world.companies.values():
        assert api.get(f"/api/v1/companies/{company.pk}/").status_code == 404


def _stocked_lead_variant(w, quantity=5):
    """A new product of the lead company with `quantity` units at the ICN consolidation hub."""
    from tests.logistics.helpers import network, receive

    variant = product(w.companies["lead"]).variants.get()
    receive(variant, network()["icn"], quantity)
    return variant


def _consignment_body(w, role):
    """The operator consigns the lead company's goods; everyone else tries a brand consignment."""
    from tests.logistics.helpers import network

    body = {
        "warehouse": network()["icn"].pk,
        "destination_country": "JP",
        "importer_name": "Tokyo Zakka K.K.",
        "importer_address": "1-2-3 Jingumae, Tokyo",
        "incoterm": "DAP",
        "lines": [
            {
                "variant": _stocked_lead_variant(w).pk,
                "quantity": 1,
                "unit_value": {"amount": "30.00", "currency": "USD"},
            }
        ],
    }
    return {**body, "exporter": w.companies["lead"].pk} if role == "operator" else {**body, "brand": w.brand.pk}


def _bill(w):
    """The final bill of the lead company's cleared declaration, recorded on first use and kept."""
    from core.money import Money
    from logistics.services.reconciliation import duty_bill_record

    if "bill" not in w.customs:
        w.customs["bill"] = duty_bill_record(
            actor=w.users["operator"],
            declaration=_customs(w, "cleared"),
            billed_by="Yamato",
            reference="YM-1",
            duty=Money(Decimal("0"), "USD"),
            tax=Money(Decimal("6"), "USD"),
        )
    return w.customs["bill"]


def _drawback(w):
    """A claim for one of two units of the lead company's goods imported DDP into the US and
    cleared, filed on first use and kept."""
    from decimal import Decimal

    from logistics.services import consignment_create, declaration_clear, declaration_create, declaration_submit
    from logistics.services.drawback import drawback_claim_file
    from tests.logistics.helpers import network

    if "drawback" not in w.customs:
        operator = w.users["operator"]
        consignment = consignment_create(
            actor=operator,
            exporter=w.companies["lead"],
            warehouse=network()["icn"],
            destination_country="US",
            importer_name="LA Home Inc.",
            importer_address="200 Main St, Los Angeles",
            incoterm="DDP",
            lines=[{"variant": _stocked_lead_variant(w), "quantity": 2, "unit_value": Decimal(30), "currency": "USD"}],
        )
        declaration, _ = declaration_create(consignment=consignment, actor=operator)
        declaration = declaration_clear(
            declaration=declaration_submit(declaration=declaration, actor=operator), actor=operator
        )
        w.customs["drawback"] = drawback_claim_file(
            actor=operator,
            declaration=declaration,
            lines=[{"line": declaration.lines.get().pk, "quantity": 1}],
            disposition="re_exported",
            reference="EX-1",
        )
    return w.customs["drawback"]


def _origin(w):
    """The member's product declared (not yet verified) under KORUS, made on first use and kept."""
    from tests.logistics.trade_helpers import qualify

    if "origin" not in w.customs:
        w.customs["origin"] = qualify(w.product, "KORUS", verify=False)
    return w.customs["origin"]


def _customs(w, key):
    """Two units of the lead company's goods consigned by the operator to Japan: the bare draft
    consignment ("consignment"), or a declaration taken through the services to `key` (draft,
    submitted, held, cleared), each on its own consignment, made on first use and kept."""
    from decimal import Decimal

    from logistics.services import (
        consignment_create,
        declaration_clear,
        declaration_create,
        declaration_hold,
        declaration_submit,
    )
    from tests.logistics.helpers import network

    if key not in w.customs:
        operator = w.users["operator"]
        consignment = consignment_create(
            actor=operator,
            exporter=w.companies["lead"],
            warehouse=network()["icn"],
            destination_country="JP",
            importer_name="Tokyo Zakka K.K.",
            importer_address="1-2-3 Jingumae, Tokyo",
            incoterm="DAP",
            lines=[{"variant": _stocked_lead_variant(w), "quantity": 2, "unit_value": Decimal(30), "currency": "USD"}],
        )
        if key == "consignment":
            w.customs[key] = consignment
        else:
            declaration, _ = declaration_create(consignment=consignment, actor=operator)
            steps = {
                "submitted": [declaration_submit],
                "held": [declaration_submit, lambda **kw: declaration_hold(reason="Queried.", **kw)],
                "cleared": [declaration_submit, declaration_clear],
            }
            for step in steps.get(key, []):
                declaration = step(declaration=declaration, actor=operator)
            w.customs[key] = declaration
    return w.customs[key]


def _revision(w):
    """The world's product on sale with an edit of its member company held for review, made on first use."""
    if "revision" not in w.trade:
        from listings.models import Product
        from listings.services import product_update

        Product.objects.filter(pk=w.product.pk).update(status=Product.Status.PUBLISHED)  # set-up, not the path
        product_update(actor=w.users["member"], product=w.product, material="Mulberry bark")
        w.trade["revision"] = w.product.revisions.get()
    return w.trade["revision"]


def _synd(w):
    """A channel, the member's product listed on it and a queued syndication job, made on first use."""
    if "channel" not in w.trade:
        from integrations.models import Channel, ChannelListing
        from integrations.services import syndication_job_start

        channel = Channel.objects.create(
            code="amazon", name="Amazon", connector="amazon", base_url="http://127.0.0.1:9", destination_country="US"
        )
        w.trade["channel"] = channel
        w.trade["listing"] = ChannelListing.objects.create(channel=channel, product=w.product)
        w.trade["job"] = syndication_job_start(actor=w.users["operator"], channel=channel, run=False)
    return w.trade


# --- Accounts: tokens, passwords, verification, the user's data, invitations, API keys, the
# security log (core, brands). Tokens and keys are made on first use, see _access.


def _access(w, key):
    """The lead user's login token, a pending invitation to the lead company, a key of the lead
    company and a platform key, made on first use."""
    if key not in w.trade:
        from brands.models import StaffInvitation
        from brands.services import api_key_create
        from core.services import user_token_create

        lead, operator = w.users["lead"], w.users["operator"]
        made = {
            "token": lambda: user_token_create(user=lead, name="laptop")[0],
            "invitation": lambda: StaffInvitation.objects.create(
                company=w.companies["lead"], email="invited@example.com", role="viewer", expires_at="2099-01-01T00:00Z"
            ),
            "lead_key": lambda: api_key_create(
                actor=lead, company=w.companies["lead"], name="ERP", scopes=["orders:read"]
            )[0],
            "platform_key": lambda: api_key_create(actor=operator, company=None, name="BI", scopes=["orders:read"])[0],
        }
        w.trade[key] = made[key]()
    return w.trade[key]


def _lead_owner_only(**expect):
    return {"anon": 401, "outsider": 404, "viewer": 403, "member": 404, "lead": 200, "operator": 200, **expect}


CASES += [
    Case("auth-logout", "post", lambda w: "/api/v1/auth/logout/", _all(204, anon=401)),
    Case("auth-logout-all", "post", lambda w: "/api/v1/auth/logout-all/", _all(204, anon=401)),
    Case("auth-token-list", "get", lambda w: "/api/v1/auth/tokens/", _all(200, anon=401)),
    Case(
        "auth-token-detail",
        "delete",
        lambda w: f"/api/v1/auth/tokens/{_access(w, 'token').pk}/",
        _all(404, anon=401, lead=204),
    ),
    Case(
        "auth-password-reset",
        "post",
        lambda w: "/api/v1/auth/password-reset/",
        _all(202),
        lambda w, r: {"email": f"{r}-forgot@example.com"},
    ),
    Case(
        "auth-password-reset-confirm",
        "post",
        lambda w: "/api/v1/auth/password-reset/confirm/",
        _all(400),
        lambda w, r: {"uid": "MQ", "token": "not-a-token", "new_password": "paper-lantern-2027"},
    ),
    Case(
        "auth-password-change",
        "post",
        lambda w: "/api/v1/auth/password-change/",
        _all(204, anon=401),
        lambda w, r: {"current_password": PASSWORD, "new_password": "paper-lantern-2027"},
    ),
    Case("auth-verify-email", "post", lambda w: "/api/v1/auth/verify-email/", _all(400), lambda w, r: {"token": "x:y"}),
    # The world's users are verified already.
    Case("auth-verify-email-resend", "post", lambda w: "/api/v1/auth/verify-email/resend/", _all(409, anon=401)),
    Case("auth-me-export", "get", lambda w: "/api/v1/auth/me/export/", _all(200, anon=401)),
    # Owners of a company they alone own cannot close their account; the viewer and the operator can.
    Case("auth-me", "delete", lambda w: "/api/v1/auth/me/", _all(409, anon=401, viewer=204, operator=204)),
    Case(
        "auth-invitation-accept",
        "post",
        lambda w: "/api/v1/auth/invitations/accept/",
        _all(400),
        lambda w, r: {"token": "not-a-token", "full_name": "X", "password": "paper-lantern-2027"},
    ),
    Case(
        "company-invitations",
        "get",
        lambda w: f"/api/v1/companies/{w.companies['lead'].pk}/invitations/",
        _lead_owner_only(viewer=200),
    ),
    Case(
        "company-revoke-invitation",
        "delete",
        lambda w: f"/api/v1/companies/{w.companies['lead'].pk}/invitations/{_access(w, 'invitation').pk}/",
        _lead_owner_only(),
    ),
    Case(
        "company-api-keys", "get", lambda w: f"/api/v1/companies/{w.companies['lead'].pk}/api-keys/", _lead_owner_only()
    ),
    Case(
        "company-api-keys",
        "post",
        lambda w: f"/api/v1/companies/{w.companies['lead'].pk}/api-keys/",
        _lead_owner_only(lead=201, operator=201),
        lambda w, r: {"name": "ERP", "scopes": ["listings:read"]},
    ),
    Case(
        "company-revoke-api-key",
        "delete",
        lambda w: f"/api/v1/companies/{w.companies['lead'].pk}/api-keys/{_access(w, 'lead_key').pk}/",
        _lead_owner_only(lead=204, operator=204),
    ),
    Case(
        "company-security-events",
        "get",
        lambda w: f"/api/v1/companies/{w.companies['lead'].pk}/security-events/",
        _lead_owner_only(),
    ),
    Case("platform-api-key-list", "get", lambda w: "/api/v1/api-keys/", _all(403, anon=401, operator=200)),
    Case(
        "platform-api-key-list",
        "post",
        lambda w: "/api/v1/api-keys/",
        _all(403, anon=401, operator=201),
        lambda w, r: {"name": "BI", "scopes": ["orders:read"]},
    ),
    Case(
        "platform-api-key-detail",
        "delete",
        lambda w: f"/api/v1/api-keys/{_access(w, 'platform_key').pk}/",
        _all(403, anon=401, operator=204),
    ),
]


def _webhook(w, key="endpoint"):
    """The lead company's webhook endpoint and one delivery of an event to it, made on first use."""
    if "webhook" not in w.trade:
        from core.events import EventType
        from core.models import Event, WebhookDelivery
        from core.webhooks import webhook_endpoint_create

        endpoint, _ = webhook_endpoint_create(
            actor=w.users["lead"],
            company_id=w.companies["lead"].pk,
            url="http://127.0.0.1:9/hook",
            events=[EventType.ORDER_PAID],
        )
        event = Event.objects.create(type=EventType.ORDER_PAID, company_ids=[w.companies["lead"].pk])
        w.trade["webhook"] = {
            "endpoint": endpoint,
            "delivery": WebhookDelivery.objects.create(endpoint=endpoint, event=event),
        }
    return w.trade["webhook"][key]


def _webhook_owner_only(**expect):
    # The endpoint's company owners and operators; anyone else gets the 404 of a missing id.
    return {"anon": 401, "outsider": 404, "viewer": 404, "member": 404, "lead": 200, "operator": 200, **expect}


CASES += [
    Case("auth-notifications", "get", lambda w: "/api/v1/auth/notifications/", _all(200, anon=401)),
    Case(
        "auth-notifications",
        "patch",
        lambda w: "/api/v1/auth/notifications/",
        _all(200, anon=401),
        lambda w, r: {"inspection_failed": False},
    ),
    Case("webhook-list", "get", lambda w: "/api/v1/webhooks/", _all(200, anon=401)),
    Case(
        "webhook-list",
        "post",
        lambda w: "/api/v1/webhooks/",
        _all(400, anon=401, lead=201, operator=201),
        lambda w, r: {"company": w.companies["lead"].pk, "url": "http://127.0.0.1:9/hook", "events": ["order.paid"]},
    ),
    Case("webhook-detail", "get", lambda w: f"/api/v1/webhooks/{_webhook(w).pk}/", _webhook_owner_only()),
    Case(
        "webhook-detail",
        "patch",
        lambda w: f"/api/v1/webhooks/{_webhook(w).pk}/",
        _webhook_owner_only(),
        lambda w, r: {"events": ["order.paid", "order.placed"]},
    ),
    Case(
        "webhook-detail",
        "delete",
        lambda w: f"/api/v1/webhooks/{_webhook(w).pk}/",
        _webhook_owner_only(lead=204, operator=204),
    ),
    Case(
        "webhook-rotate-secret",
        "post",
        lambda w: f"/api/v1/webhooks/{_webhook(w).pk}/rotate-secret/",
        _webhook_owner_only(),
    ),
    Case(
        "webhook-ping",
        "post",
        lambda w: f"/api/v1/webhooks/{_webhook(w).pk}/ping/",
        _webhook_owner_only(lead=202, operator=202),
    ),
    Case(
        "webhook-deliveries", "get", lambda w: f"/api/v1/webhooks/{_webhook(w).pk}/deliveries/", _webhook_owner_only()
    ),
    Case(
        "webhook-redeliver",
        "post",
        lambda w: f"/api/v1/webhooks/{_webhook(w).pk}/deliveries/{_webhook(w, 'delivery').pk}/redeliver/",
        _webhook_owner_only(lead=202, operator=202),
    ),
]


def _buyer_webhook(w, key="endpoint"):
    """The outsider's buyer company's webhook endpoint and one delivery of an event to it."""
    if "buyer_webhook" not in w.trade:
        from core.events import EventType
        from core.models import Event, WebhookDelivery
        from core.webhooks import webhook_endpoint_create

        buyer_company = _b2b(w)["b2b_company"]
        endpoint, _ = webhook_endpoint_create(
            actor=w.users["outsider"],
            company_id=None,
            buyer_company_id=buyer_company.pk,
            url="http://127.0.0.1:9/hook",
            events=[EventType.ORDER_PAID],
        )
        event = Event.objects.create(type=EventType.ORDER_PAID, buyer_company_ids=[buyer_company.pk])
        w.trade["buyer_webhook"] = {
            "endpoint": endpoint,
            "delivery": WebhookDelivery.objects.create(endpoint=endpoint, event=event),
        }
    return w.trade["buyer_webhook"][key]


def _buyer_webhook_owner_only(**expect):
    # The buyer company's owner (the outsider) and operators; seller staff get the 404 of a missing id.
    return {"anon": 401, "outsider": 200, "viewer": 404, "member": 404, "lead": 404, "operator": 200, **expect}


def _buyer_webhook_body(*events):
    return lambda w, r: {"buyer_company": _b2b(w)["b2b_company"].pk, "url": "http://127.0.0.1:9/h", "events": [*events]}


CASES += [
    Case(
        "webhook-list",
        "post",
        lambda w: "/api/v1/webhooks/",
        _all(400, anon=401, outsider=201, operator=201),
        _buyer_webhook_body("order.paid", "shipment.shipped"),
    ),
    # A seller-only event: a 400 naming `events`, whoever asks.
    Case(
        "webhook-list", "post", lambda w: "/api/v1/webhooks/", _all(400, anon=401), _buyer_webhook_body("payout.sent")
    ),
    Case("webhook-detail", "get", lambda w: f"/api/v1/webhooks/{_buyer_webhook(w).pk}/", _buyer_webhook_owner_only()),
    Case(
        "webhook-detail",
        "patch",
        lambda w: f"/api/v1/webhooks/{_buyer_webhook(w).pk}/",
        _buyer_webhook_owner_only(),
        lambda w, r: {"events": ["order.paid", "refund.executed"]},
    ),
    Case(
        "webhook-detail",
        "delete",
        lambda w: f"/api/v1/webhooks/{_buyer_webhook(w).pk}/",
        _buyer_webhook_owner_only(outsider=204, operator=204),
    ),
    Case(
        "webhook-rotate-secret",
        "post",
        lambda w: f"/api/v1/webhooks/{_buyer_webhook(w).pk}/rotate-secret/",
        _buyer_webhook_owner_only(),
    ),
    Case(
        "webhook-ping",
        "post",
        lambda w: f"/api/v1/webhooks/{_buyer_webhook(w).pk}/ping/",
        _buyer_webhook_owner_only(outsider=202, operator=202),
    ),
    Case(
        "webhook-deliveries",
        "get",
        lambda w: f"/api/v1/webhooks/{_buyer_webhook(w).pk}/deliveries/",
        _buyer_webhook_owner_only(),
    ),
    Case(
        "webhook-redeliver",
        "post",
        lambda w: f"/api/v1/webhooks/{_buyer_webhook(w).pk}/deliveries/{_buyer_webhook(w, 'delivery').pk}/redeliver/",
        _buyer_webhook_owner_only(outsider=202, operator=202),
    ),
]


# --- API keys, on every row: a key of the member company (it owns the world's product; the key
# acts as its owner would, as editor with a write scope, else viewer) holding exactly the scope
# the route needs ("key"), and one holding every scope but that one ("key_without"). A route
# opens to keys by naming its scope family (<family>:read for GET, <family>:write otherwise);
# every other route refuses keys with a 403, and a public route answers a key as it answers
# the member company's owner.
KEY_FAMILIES = [  # (route name prefix, family): the first match wins
    ("product-readiness", "syndication"),
    ("product-", "listings"),
    ("job-", "listings"),
    ("inspection-", "listings"),
    ("warehouse-", "stock"),
    ("stock-", "stock"),
    ("inbound-shipment-", "stock"),
    ("storage-allotment-", "stock"),
    ("fulfilment-", "orders"),
    ("shipment-", "orders"),
    ("physical-return-", "orders"),
    ("customs-declaration-", "orders"),
    ("consignment-", "orders"),
    ("shipping-rate-quote", "orders"),
    ("duty-estimate", "orders"),
    ("duty-bill-", "orders"),
    ("drawback-claim-", "orders"),
    ("trade-agreement-", "listings"),
    ("origin-qualification-", "listings"),
    ("order-", "orders"),
    ("seller-order-", "orders"),
    ("return-", "orders"),
    ("b2b-order-", "orders"),
    ("buyer-company-", "trade"),
    ("buyer-directory-", "trade"),
    ("buyer-profile-", "trade"),
    ("proposal-", "trade"),
    ("matchmaking-event-", "trade"),
    ("meeting-", "trade"),
    ("rfq-", "trade"),
    ("quote-", "trade"),
    ("inquiry-", "trade"),
    ("price-list-", "trade"),
    ("credit-line-", "trade"),
    ("terms-invoice-", "orders"),
    ("programme-", "finance"),
    ("service-order-", "finance"),
    ("company-fee-", "finance"),
    ("company-statement-", "finance"),
    ("payout-", "finance"),
    ("promotion-", "listings"),
    ("channel-", "syndication"),
    ("syndication-job-", "syndication"),
]


def key_scope(case) -> str | None:
    if case.name.startswith("webhook-"):
        return "webhooks:manage"  # one scope for reading and managing endpoints
    family = next((family for prefix, family in KEY_FAMILIES if case.name.startswith(prefix)), None)
    return family and f"{family}:{'read' if case.method == 'get' else 'write'}"


def key_expected(case, holds) -> int:
    if case.expect.get("anon", 401) != 401:
        return case.expect.get("member", case.expect["anon"])
    scope = key_scope(case)
    if scope is None or holds == "key_without":
        return 403
    return case.expect["member"]


# The language of one's staff e-mails; a brand's lead rejecting an application (with a reason).
CASES += [
    Case("auth-me", "patch", lambda w: "/api/v1/auth/me/", _all(200, anon=401), lambda w, r: {"locale": "ja"}),
    Case(
        "brand-reject-membership",
        "post",
        lambda w: f"/api/v1/brands/{w.brand.slug}/memberships/{w.application.pk}/reject/",
        {"anon": 401, "outsider": 404, "viewer": 403, "member": 404, "lead": 200, "operator": 200},
        lambda w, r: {"reason": "The brand takes hanji lamps only."},
    ),
]


# Parametrised here, after every CASES block, so that each row is checked for every role.
@pytest.mark.parametrize(
    ("case", "role"),
    [(case, role) for case in CASES for role in case.expect],
    ids=[f"{case.method}-{case.name}-{role}" for case in CASES for role in case.expect],
)
def test_permission(api, world, case, role):
    user = world.users[role]
    if user:
        api.as_user(user)
    body = case.body(world, role) if case.body else None
    extra = {"format": case.fmt} if case.fmt else {}
    response = getattr(api, case.method)(case.path(world), body, **extra)
    assert response.status_code == case.expect[role], response.content
    if response.status_code >= 400:
        assert set(response.json()) == {"type", "errors"}


@pytest.mark.parametrize(
    ("case", "holds"),
    [(case, holds) for case in CASES for holds in ("key", "key_without")],
    ids=[f"{case.method}-{case.name}-{holds}" for case in CASES for holds in ("key", "key_without")],
)
def test_api_key(api, world, case, holds):
    from brands.services import api_key_create
    from core.permissions import API_KEY_SCOPES

    scope = key_scope(case)
    scopes = [scope] if holds == "key" and scope else [s for s in API_KEY_SCOPES if s != scope]
    company = world.companies["member"]
    _key, secret = api_key_create(actor=world.users["member"], company=company, name="ERP", scopes=scopes)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = case.body(world, "member") if case.body else None
    extra = {"format": case.fmt} if case.fmt else {}
    response = getattr(api, case.method)(case.path(world), body, **extra)
    assert response.status_code == key_expected(case, holds), (scopes, response.content)
    if response.status_code == 403 and scope and holds == "key_without":
        assert scope in response.json()["errors"][0]["detail"]
