"""The security matrix, built on tests/test_permissions.py's table (CASES, World): where that file
proves who gets which status, this one proves that a refused request changes nothing, and covers
what a status alone cannot show.

- Object-level: every object route (a path with a parameter, enumerated from the URL resolver)
  called by anonymous, another company, and another buyer (a user with no company and no orders)
  is a 401/403/404 and leaves every table as it was (a checksum of all rows).
- Function-level: every refusal in the matrix (operator-only transitions as SME or buyer, owner
  actions as a viewer, ...) leaves every table as it was.
- Mass assignment: fields a client must not set (status, company, owner, is_staff, totals,
  stock, ids) sent in any JSON write body are a 400 naming the field.
- Resource limits: page_size on every list route, the body size on every write route.
Uploads (wrong type, huge, decompression bombs) are refused in tests/listings/test_media.py and
imports over the row limit in tests/listings/test_import_export.py; not repeated here.
"""

import re

import pytest
from django.db import connection
from django.urls import get_resolver

from tests.factories import UserFactory
from tests.test_permissions import CASES, world, world_base  # noqa: F401 - fixtures

DENIED = {401, 403, 404}
# Object routes any signed-in user may call on the world's objects (their outsider row is a 2xx or
# a 409 by design): brands are public to users, their standards too; anyone may apply to a brand.
OPEN_OBJECT_ROUTES = {
    "brand-detail",
    "brand-quality-standard",
    "brand-memberships",
    "brand-activate",
    "storefront-product-detail",
    "storefront-product-price",
    "storefront-brand-detail",
    # The export voucher's catalogue: every signed-in user reads it.
    "service-provider-detail",
    "support-service-detail",
    # Matchmaking events are announced to every signed-in user; asking for a meeting there needs
    # one's own buyer company or SME (a 400 naming `company` otherwise).
    "matchmaking-event-detail",
    "matchmaking-event-meetings",
}


def _routes():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern.name

    return [(path, name) for path, name in walk(get_resolver().url_patterns) if path.startswith("api/v1/")]


def _object_route_names():
    return {name for path, name in _routes() if re.search(r"<\w+:?\w*>|\(\?P<", path)}


def db_checksum() -> dict:
    """Row count and an md5 over all rows, per table, in one query: any insert, update or
    delete shows."""
    with connection.cursor() as cursor:
        tables = [t for t in connection.introspection.table_names(cursor) if t != "django_session"]
        digest = "md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), ''))"
        parts = [
            "SELECT %s, count(*), " + digest + " FROM " + connection.ops.quote_name(table) + " t"  # noqa: S608
            for table in tables
        ]
        cursor.execute(" UNION ALL ".join(parts), tables)  # table names from introspection, not input
        return {table: (count, digest) for table, count, digest in cursor.fetchall()}


def _changed(before, after):
    return sorted(t for t in after if before.get(t) != after[t])


# Routes the world's outsider may use because they are the buyer of the world's order/checkout:
# the stranger (another buyer) is refused there instead, see below.
BUYER_ROUTES = {
    "checkout-detail",
    "checkout-complete",
    "checkout-shipping-options",
    "order-detail",
    "order-cancel",
    "return-detail",
    "return-label",
    # The trade desk: in the matrix the outsider company's owner is the buyer party itself.
    "buyer-company-detail",
    "buyer-company-staff",
    "rfq-detail",
    "rfq-close",
    "rfq-quotes",
    "quote-detail",
    "quote-accept",
    "quote-decline",
    "inquiry-detail",
    "inquiry-messages",
    # B2B terms: the buyer company's own price list, credit line and invoices on terms.
    "price-list-detail",
    "credit-line-detail",
    "terms-invoice-detail",
    # The outsider's own address book, and the member's proposal to and meetings with the
    # outsider's buyer company (matchmaking).
    "buyer-address-detail",
    "proposal-detail",
    "proposal-answer",
    "meeting-detail",
    "meeting-decline",
    "meeting-notes",
    # Webhook endpoints of the outsider's buyer company (its orders', RFQs' and quotes' events).
    "webhook-detail",
    "webhook-rotate-secret",
    "webhook-ping",
    "webhook-deliveries",
    "webhook-redeliver",
}


def test_every_object_route_is_in_the_matrix_and_refused_to_other_companies_unless_declared():
    """A new object route needs a row in test_permissions.CASES that refuses another company, or
    a place in OPEN_OBJECT_ROUTES / BUYER_ROUTES saying why not."""
    rows = {}
    for case in CASES:
        rows.setdefault(case.name, []).append(case)
    names = _object_route_names()
    assert not sorted(names - set(rows)), f"object routes without a permission row: {sorted(names - set(rows))}"
    answered = sorted(
        name
        for name in names - OPEN_OBJECT_ROUTES - BUYER_ROUTES
        if any(case.expect.get("outsider") not in DENIED for case in rows[name])
    )
    assert answered == [], f"object routes that answer another company: {answered}"


OBJECT_CASES = [case for case in CASES if case.name in _object_route_names() and case.name not in OPEN_OBJECT_ROUTES]


@pytest.mark.parametrize("case", OBJECT_CASES, ids=[f"{c.method}-{c.name}" for c in OBJECT_CASES])
def test_strangers_get_nothing_from_an_object_route_and_change_nothing(api, world, case):  # noqa: F811 - the matrix\' world fixture
    from core.services import user_token_get_or_create

    stranger = UserFactory()  # another buyer: no company, no orders
    tokens = {"stranger": user_token_get_or_create(user=stranger)}
    if case.expect.get("outsider") in DENIED:
        tokens["outsider"] = user_token_get_or_create(user=world.users["outsider"])
    path = case.path(world)
    body = case.body(world, "outsider") if case.body else None
    extra = {"format": case.fmt} if case.fmt else {}
    before = db_checksum()
    for who in ["anon", *tokens]:
        api.credentials(**({"HTTP_AUTHORIZATION": f"Bearer {tokens[who]}"} if who in tokens else {}))
        response = getattr(api, case.method)(path, body, **extra)
        assert response.status_code in DENIED, (who, response.status_code, response.content)
        assert set(response.json()) == {"type", "errors"}
    # knox deletes an expired token when it is presented: that row may go, nothing else changes.
    changed = [table for table in _changed(before, db_checksum()) if table != "core_authtoken"]
    assert changed == [], f"tables changed: {changed}"


DENIED_WRITES = [
    case
    for case in CASES
    if case.method != "get" and any(status in DENIED | {409} for role, status in case.expect.items() if role != "anon")
]


@pytest.mark.parametrize("case", DENIED_WRITES, ids=[f"{c.method}-{c.name}" for c in DENIED_WRITES])
def test_a_refused_write_changes_nothing(api, world, case):  # noqa: F811 - the matrix\' world fixture
    """Function-level: operator-only actions as SME or buyer, owner actions as a viewer, a
    transition from the wrong state: each refusal of the matrix, and every table as it was."""
    path = case.path(world)
    for role, status in case.expect.items():
        if role == "anon" or status not in DENIED | {409}:
            continue
        api.as_user(world.users[role])
        body = case.body(world, role) if case.body else None
        extra = {"format": case.fmt} if case.fmt else {}
        before = db_checksum()
        response = getattr(api, case.method)(path, body, **extra)
        assert response.status_code == status, (role, response.content)
        changed = _changed(before, db_checksum())
        assert changed == [], f"{role}: tables changed: {changed}"


# Fields no client may set on anything: states, ownership, privileges, money totals, stock.
FORBIDDEN_FIELDS = {
    "status": "published",
    "owner": 1,
    "created_by": 1,
    "is_staff": True,
    "is_superuser": True,
    "is_operator": True,
    "total": {"amount": "0.01", "currency": "USD"},
    "subtotal": {"amount": "0.01", "currency": "USD"},
    "on_hand": 999999,
    "allocated": 0,
    "content_hash": "0" * 64,
    "sme_eligibility": {"eligible": True},
}

WRITE_CASES = [
    (case, role)
    for case in CASES
    for role, status in case.expect.items()
    if case.method in {"post", "put", "patch"} and 200 <= status < 300 and not case.fmt and case.body
]
_first_write_per_route = {}
for _case, _role in WRITE_CASES:
    _first_write_per_route.setdefault((_case.method, _case.name), (_case, _role))
MASS_ASSIGNMENT_CASES = list(_first_write_per_route.values())


@pytest.mark.parametrize(
    ("case", "role"), MASS_ASSIGNMENT_CASES, ids=[f"{c.method}-{c.name}-{r}" for c, r in MASS_ASSIGNMENT_CASES]
)
def test_fields_a_client_must_not_set_are_a_400_naming_them(api, world, case, role):  # noqa: F811 - the matrix\' world fixture
    if role != "anon":
        api.as_user(world.users[role])
    body = case.body(world, role)
    if not isinstance(body, dict):
        pytest.fail(f"{case.name}: a JSON object body was expected")
    sneaked = {k: v for k, v in FORBIDDEN_FIELDS.items() if k not in body}
    path = case.path(world)
    before = db_checksum()
    response = getattr(api, case.method)(path, {**body, **sneaked})
    assert response.status_code == 400, (response.status_code, response.content)
    attrs = {error["attr"] for error in response.json()["errors"]}
    assert attrs & set(sneaked), response.content
    changed = _changed(before, db_checksum())
    assert changed == [], f"tables changed: {changed}"


# The category tree, the few channels and the few trade agreements come whole.
UNPAGINATED = {"category-list", "channel-list", "trade-agreement-list"}


def _list_cases():
    seen, cases = set(), []
    for case in CASES:
        if case.method == "get" and case.name.endswith("-list") and case.name not in seen:
            role = next((r for r, s in case.expect.items() if s == 200), None)
            if role:
                seen.add(case.name)
                cases.append((case, role))
    return cases


LIST_CASES = _list_cases()


@pytest.mark.parametrize(("case", "role"), LIST_CASES, ids=[c.name for c, _ in LIST_CASES])
def test_every_list_refuses_a_page_size_outside_1_to_100(api, world, case, role):  # noqa: F811 - the matrix\' world fixture
    if role != "anon":
        api.as_user(world.users[role])
    path = case.path(world)
    if "results" not in api.get(path).json():
        pytest.fail(f"{case.name} is not paginated") if case.name not in UNPAGINATED else None
        return
    joiner = "&" if "?" in path else "?"
    for page_size in ("0", "101", "100000", "-1", "x"):
        response = api.get(f"{path}{joiner}page_size={page_size}")
        assert response.status_code == 400, (page_size, response.content)
        assert response.json()["errors"][0]["attr"] == "page_size"


@pytest.mark.parametrize(
    ("case", "role"), MASS_ASSIGNMENT_CASES, ids=[f"{c.method}-{c.name}-{r}" for c, r in MASS_ASSIGNMENT_CASES]
)
def test_every_json_write_refuses_a_body_over_the_limit(api, world, case, role, settings):  # noqa: F811 - the matrix\' world fixture
    """As the role the write succeeds for, so the body is read (a 404 comes before parsing)."""
    settings.API_MAX_BODY_BYTES = 4096
    if role != "anon":
        api.as_user(world.users[role])
    path = case.path(world)
    before = db_checksum()
    response = getattr(api, case.method)(
        path, data='{"padding": "' + "x" * 8192 + '"}', content_type="application/json"
    )
    assert response.status_code == 413, response.content
    changed = _changed(before, db_checksum())
    assert changed == [], f"tables changed: {changed}"


def _dead_credentials(w):
    """An expired login token, a revoked one, and a revoked API key holding every scope."""
    from datetime import timedelta

    from django.utils import timezone

    from brands.services import api_key_create, api_key_revoke
    from core.models import AuthToken
    from core.permissions import API_KEY_SCOPES
    from core.services import user_token_create

    lead, member = w.users["lead"], w.users["member"]
    expired, expired_secret = user_token_create(user=lead)
    AuthToken.objects.filter(pk=expired.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    revoked, revoked_secret = user_token_create(user=lead)
    revoked.delete()
    key, key_secret = api_key_create(
        actor=member, company=w.companies["member"], name="old", scopes=list(API_KEY_SCOPES)
    )
    api_key_revoke(key=key, actor=member)
    return {"expired token": expired_secret, "revoked token": revoked_secret, "revoked key": key_secret}


AUTH_CASES = list({(c.method, c.name): c for c in CASES if c.expect.get("anon") == 401}.values())


@pytest.mark.parametrize("case", AUTH_CASES, ids=[f"{c.method}-{c.name}" for c in AUTH_CASES])
def test_expired_and_revoked_credentials_are_a_401_on_every_route_that_needs_auth(api, world, case):  # noqa: F811 - the matrix' world fixture
    credentials = _dead_credentials(world)
    path = case.path(world)
    body = case.body(world, "lead") if case.body else None
    extra = {"format": case.fmt} if case.fmt else {}
    # Refused by authentication, before any view runs (no table checksum: the refusals above
    # prove that a refusal changes nothing; knox deletes the expired token as it is presented).
    for what, secret in credentials.items():
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        response = getattr(api, case.method)(path, body, **extra)
        assert response.status_code == 401, (what, response.status_code, response.content)
        assert set(response.json()) == {"type", "errors"}
