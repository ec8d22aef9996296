"""Schemathesis over the whole OpenAPI schema, in process, against seeded data.

Every operation in /api/schema/ is generated from the schema (valid and invalid data), and each
generated request is sent as anonymous, a buyer, SME staff (of the product's company and of the
brand's lead company) and an operator. Checks: no 5xx, status codes, content types and bodies
conform to the schema, invalid data is rejected with a 4xx, and authentication is not ignored.
Path parameters are filled from the seeded objects (see PATH_OBJECTS) so requests reach
business logic instead of 404s; a path without an entry still runs with generated ids.

Bounded for `make test` (FUZZ_EXAMPLES per operation, derandomized so a run is repeatable);
`make fuzz` runs the same test with more examples. Figures: docs/fuzzing.md.
"""

import json
import os
import re
from decimal import Decimal, InvalidOperation

import pytest
import schemathesis
from django.utils.dateparse import parse_datetime
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import Client as WsgiClient

from tests.factories import active_brand, product, published
from tests.test_permissions import (
    _access,
    _b2b,
    _b2b_order,
    _b2b_terms,
    _bill,
    _customs,
    _drawback,
    _inbound,
    _mark,
    _match,
    _origin,
    _outbound,
    _promotion,
    _revision,
    _seller_application,
    _settlement,
    _synd,
    _trade,
    _voucher,
    _webhook,
    world,  # noqa: F401 - a fixture
    world_base,  # noqa: F401 - a fixture
)

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "20261127"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]
IDENTITIES = ["anon", "buyer", "sme", "lead", "operator"]
# Invalid data is sent by the identities that get past authentication and object scoping
# furthest, so it reaches the serializers and services (anonymous would stop at 401).
NEGATIVE_IDENTITIES = ["sme", "operator"]


# The seeded object each path's parameters point at: (regex on the path template, {param: getter}).
# First match wins; ordered from the most specific. A new route without a row still gets fuzzed.
PATH_OBJECTS = [
    (
        r"/brands/\{slug\}/memberships/\{membership_id\}/(approve|reject)/",
        {"membership_id": lambda f: f.w.application.pk},
    ),
    (r"/brands/\{slug\}/memberships/\{membership_id\}/leave/", {"membership_id": lambda f: f.w.member_membership.pk}),
    (r"/storefront/brands/\{slug\}", {"slug": lambda f: f.shop_brand.slug}),
    (r"/storefront/products/\{slug\}", {"slug": lambda f: f.shop_product.slug}),
    (r"/brands/\{slug\}", {"slug": lambda f: f.w.brand.slug}),
    (r"/checkouts/\{id\}", {"id": lambda f: _trade(f.w)["checkout"].pk}),
    (r"/companies/\{id\}", {"id": lambda f: f.w.companies["lead"].pk}),
    (r"/consignments/\{id\}", {"id": lambda f: _customs(f.w, "consignment").pk}),
    (r"/customs-declarations/\{id\}/(clear|hold)/", {"id": lambda f: _customs(f.w, "submitted").pk}),
    (r"/customs-declarations/\{id\}/release/", {"id": lambda f: _customs(f.w, "held").pk}),
    (r"/customs-declarations/\{id\}", {"id": lambda f: _customs(f.w, "draft").pk}),
    (r"/fulfilments/\{id\}", {"id": lambda f: _outbound(f.w)["requested"].pk}),
    (r"/inbound-shipments/\{id\}/dispatch/", {"id": lambda f: _inbound(f.w, "draft").pk}),
    (r"/inbound-shipments/\{id\}/receive/", {"id": lambda f: _inbound(f.w, "in_transit").pk}),
    (r"/inbound-shipments/\{id\}/inspect/", {"id": lambda f: _inbound(f.w, "received").pk}),
    (r"/inbound-shipments/\{id\}/stock/", {"id": lambda f: _inbound(f.w, "inspected").pk}),
    (r"/inbound-shipments/\{id\}", {"id": lambda f: _inbound(f.w, "draft").pk}),
    (r"/inspections/\{id\}", {"id": lambda f: f.w.inspection.pk}),
    (r"/jobs/\{id\}", {"id": lambda f: f.w.job.pk}),
    (r"/orders/\{id\}", {"id": lambda f: _trade(f.w)["order"].pk}),
    (r"/physical-returns/\{id\}", {"id": lambda f: _outbound(f.w)["return"].pk}),
    (
        r"/products/\{id\}/media/\{media_id\}",
        {"id": lambda f: f.w.product.pk, "media_id": lambda f: f.w.product.media.first().pk},
    ),
    (r"/products/\{id\}", {"id": lambda f: f.w.product.pk}),
    (r"/returns/\{id\}", {"id": lambda f: _trade(f.w)["request"].pk}),
    (r"/shipments/\{id\}", {"id": lambda f: _outbound(f.w)["shipment"].pk}),
    # The trade desk, settlement and syndication.
    (r"/buyer-companies/\{id\}", {"id": lambda f: _b2b(f.w)["b2b_company"].pk}),
    (r"/rfqs/\{id\}", {"id": lambda f: _b2b(f.w)["b2b_rfq"].pk}),
    (r"/quotes/\{id\}", {"id": lambda f: _b2b(f.w)["b2b_quotes"]["member"].pk}),
    (r"/b2b-orders/\{id\}", {"id": lambda f: _b2b_order(f.w).pk}),
    (r"/inquiries/\{id\}", {"id": lambda f: _b2b(f.w)["b2b_thread"].pk}),
    (r"/price-lists/\{id\}", {"id": lambda f: _b2b_terms(f.w)["price_list"].pk}),
    (r"/credit-lines/\{id\}", {"id": lambda f: _b2b_terms(f.w)["credit_line"].pk}),
    (r"/terms-invoices/\{id\}", {"id": lambda f: _b2b_terms(f.w)["terms_invoice"].pk}),
    (r"/programmes/\{id\}", {"id": lambda f: _settlement(f.w, "programme").pk}),
    (r"/payouts/\{id\}", {"id": lambda f: _settlement(f.w, "payout").pk}),
    (
        r"/companies/\{company_id\}/statements/\{period\}",
        {"company_id": lambda f: f.w.companies["member"].pk, "period": lambda f: "2026-10"},
    ),
    (r"/companies/\{company_id\}", {"company_id": lambda f: f.w.companies["member"].pk}),
    (r"/channel-listings/\{id\}", {"id": lambda f: _synd(f.w)["listing"].pk}),
    (r"/promotions/\{id\}", {"id": lambda f: _promotion(f.w)["promotion"].pk}),
    (r"/addresses/\{id\}", {"id": lambda f: _promotion(f.w)["address"].pk}),
    # Seller onboarding and the export voucher's services.
    (
        r"/seller-applications/\{id\}/(evaluate|approve|reject)/",
        {"id": lambda f: _seller_application(f.w, "submitted").pk},
    ),
    (r"/seller-applications/\{id\}", {"id": lambda f: _seller_application(f.w, "draft").pk}),
    (r"/programme-applications/\{id\}", {"id": lambda f: _voucher(f.w, "application").pk}),
    (r"/service-orders/\{id\}/(confirm|dispute)/", {"id": lambda f: _voucher(f.w, "delivered").pk}),
    (r"/service-orders/\{id\}/resolve/", {"id": lambda f: _voucher(f.w, "disputed").pk}),
    (r"/service-orders/\{id\}", {"id": lambda f: _voucher(f.w, "ordered").pk}),
    (r"/service-providers/\{id\}", {"id": lambda f: _voucher(f.w, "provider").pk}),
    (r"/support-services/\{id\}", {"id": lambda f: _voucher(f.w, "service").pk}),
    (r"/provider-payouts/\{id\}", {"id": lambda f: _voucher(f.w, "payout").pk}),
    (r"/platform-marks/\{id\}", {"id": lambda f: _mark(f.w).pk}),
    # Trade rules, agents and matchmaking, webhooks.
    (r"/duty-bills/\{id\}", {"id": lambda f: _bill(f.w).pk}),
    (r"/drawback-claims/\{id\}", {"id": lambda f: _drawback(f.w).pk}),
    (r"/origin-qualifications/\{id\}", {"id": lambda f: _origin(f.w).pk}),
    (r"/mandates/\{id\}", {"id": lambda f: f.w.mandates["agent"].pk}),
    (r"/proposals/\{id\}", {"id": lambda f: _match(f.w)["match_proposal"].pk}),
    (r"/matchmaking-events/\{id\}", {"id": lambda f: _match(f.w)["match_event"].pk}),
    (r"/meetings/\{id\}", {"id": lambda f: _match(f.w)["match_meeting"].pk}),
    (
        r"/webhooks/\{id\}/deliveries/\{delivery_id\}",
        {"id": lambda f: _webhook(f.w).pk, "delivery_id": lambda f: _webhook(f.w, "delivery").pk},
    ),
    (r"/webhooks/\{id\}", {"id": lambda f: _webhook(f.w).pk}),
    (r"/syndication-jobs/\{id\}", {"id": lambda f: _synd(f.w)["job"].pk}),
]


class Fuzz:
    """The permission matrix' world plus a storefront (an active brand, a published product),
    and a bearer token per identity."""

    def __init__(self, w):
        self.w = w
        self.shop_brand = active_brand()
        self.shop_product = published(product(self.shop_brand.lead_company, brand=self.shop_brand))
        self.users = {
            "buyer": w.users["outsider"],
            "sme": w.users["member"],
            "lead": w.users["lead"],
            "operator": w.users["operator"],
        }
        self.headers = {"anon": {}}
        self.tokens_issue()
        self._params = {}
        self.world_complete()

    def world_complete(self):
        """Every object the matrix makes on first use, made now, so that lists hold rows from the
        first request on (see the "something served" check), and a storage allotment."""
        from datetime import date, timedelta

        from logistics.models import StorageAllotment
        from marketplace.services.fees import fee_charge
        from tests.logistics.helpers import network

        w = self.w
        _trade(w), _b2b(w), _b2b_order(w), _outbound(w), _synd(w), _settlement(w, "programme")
        # The objects of promotions, B2B terms, matchmaking, revisions, trade rules, webhooks,
        # the voucher's services and onboarding, likewise.
        _promotion(w), _b2b_terms(w), _match(w), _revision(w), _mark(w), _bill(w), _drawback(w), _origin(w)
        _webhook(w, "delivery"), _seller_application(w, "submitted")
        for key in ("ordered", "application", "payout"):
            _voucher(w, key)
        for status in ("draft", "in_transit", "received", "inspected"):
            _inbound(w, status)
        for key in ("consignment", "draft", "submitted", "held", "cleared"):
            _customs(w, key)
        for key in ("token", "invitation", "lead_key", "platform_key"):
            _access(w, key)
        fee_charge(company=w.companies["member"], kind="fulfilment", cause_type="shipment", cause_id=1)
        for company in (w.companies["member"], w.companies["lead"]):
            StorageAllotment.objects.create(
                company=company,
                warehouse=network()["lax"],
                volume_m3=40,
                starts_on=date.today() - timedelta(30),
                ends_on=date.today() + timedelta(335),
            )

    def tokens_issue(self):
        """New tokens: the auth operations (logout, logout-all, password change) revoke them, and
        every later operation would only ever be a 401."""
        from core.services import user_token_get_or_create

        for name, user in self.users.items():
            self.headers[name] = {"Authorization": f"Bearer {user_token_get_or_create(user=user)}"}

    def path_parameters(self, path: str) -> dict:
        if path not in self._params:
            getters = next((g for pattern, g in PATH_OBJECTS if re.search(pattern, path)), {})
            values = {}
            for name, getter in getters.items():
                try:
                    values[name] = str(getter(self))
                except AttributeError:  # e.g. the media was deleted by an earlier operation
                    continue
            self._params[path] = values
        return self._params[path]


@pytest.fixture
def fuzz(request):
    return Fuzz(request.getfixturevalue("world"))


@pytest.fixture
def api_schema(db):
    """The schema served by the WSGI application itself. Like Django's test client, requests do
    not close the connection at their end: the test's transaction holds the seeded data."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from config.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


SETTINGS = hypothesis_settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


def served_something(response) -> bool:
    """A 2xx with content: a non-empty list or page, an object, a file."""
    if not 200 <= response.status_code < 300 or not response.content:
        return False
    try:
        body = json.loads(response.content)
    except ValueError:
        return True  # a CSV or a PDF
    if isinstance(body, dict) and isinstance(body.get("results"), list):
        return bool(body["results"])
    return bool(body)


def call(case, identity, fuzz, run):
    response = case.call_and_validate(headers=fuzz.headers[identity], checks=CHECKS)
    run.stats[response.status_code // 100] = run.stats.get(response.status_code // 100, 0) + 1
    if case.method.upper() == "GET":
        run.served[case.operation.label] |= served_something(response)
    return response


def fuzz_operation(operation, mode, fuzz, run):
    # Invalid path parameters stay as generated: they must be 4xx whatever the seeded objects.
    fixed = fuzz.path_parameters(operation.path) if mode == GenerationMode.POSITIVE else {}
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed or None)

    @SETTINGS
    @given(case=strategy)
    def each(case):
        for identity in IDENTITIES if mode == GenerationMode.POSITIVE else NEGATIVE_IDENTITIES:
            response = call(case, identity, fuzz, run)
            if mode == GenerationMode.POSITIVE:
                run.read_back += stored_as_sent_check(case, response, fuzz.headers[identity], run.get_paths)

    each()


def read_back_path(case, response, get_paths) -> str | None:
    """Where the object a 2xx create or update wrote is read: the detail path of a POST to a
    collection (from the `id` it answered), the same path for a PUT or PATCH."""
    method = case.method.upper()
    if method in ("PUT", "PATCH") and case.path in get_paths:
        return case.formatted_path
    if method == "POST" and case.path + "{id}/" in get_paths:
        try:
            created = json.loads(response.content).get("id")
        except (ValueError, AttributeError):
            return None
        return case.formatted_path + f"{created}/" if created is not None else None
    return None


def stored_as_sent_check(case, response, headers, get_paths) -> int:
    """After a 2xx create or update, reading the object back gives what was sent for every field
    it shows (write-only fields are not shown), after the documented normalisation (see
    `same_value`): an input coerced into something else (`"country": {}` stored as "") fails."""
    if not 200 <= response.status_code < 300 or not isinstance(case.body, dict) or not case.body:
        return 0
    path = read_back_path(case, response, get_paths)
    if path is None:
        return 0
    from config.wsgi import application

    # Through the WSGI application as schemathesis calls it (Django's test Client would reconnect
    # the signal that closes the test's connection at a request's end).
    stored = WsgiClient(application).get(path, headers=headers)
    assert stored.status_code == 200, f"{case.method} {path}: wrote, then reading it back: {stored.status_code}"
    sent = {k: v for k, v in case.body.items() if k != READ_IN_ANOTHER_FORM.get(case.path)}
    wrong = list(value_differences(sent, json.loads(stored.data), ""))
    assert not wrong, f"{case.method} {case.formatted_path} stored something else than it was sent: {wrong}"
    return 1


def same_value(sent, stored) -> bool:
    """Equal after the normalisation the API documents: strings are trimmed (DRF's CharField),
    codes (countries, currencies) stored upper-case, decimals compared as numbers ("1.5" is
    "1.500"), instants compared as instants, e-mail addresses lower-cased, an id sent for an object
    read back with that id."""
    if isinstance(stored, dict) and "id" in stored and not isinstance(sent, dict):
        stored = stored["id"]
    if isinstance(sent, bool) or isinstance(stored, bool) or sent is None or stored is None:
        return sent is stored or sent == stored
    if isinstance(sent, str) and isinstance(stored, str):
        text = sent.strip()
        if stored in (text, text.upper()) or ("@" in text and stored.lower() == text.lower()):
            return True
        try:
            instants = parse_datetime(text), parse_datetime(stored)
        except ValueError:
            instants = None, None
        if None not in instants:
            return instants[0] == instants[1]
    try:
        return Decimal(str(sent)) == Decimal(str(stored))
    except (InvalidOperation, ValueError):
        return sent == stored


def value_differences(sent, stored, where):
    if isinstance(sent, dict):
        if not isinstance(stored, dict):
            yield (where, sent, stored)
            return
        for key, value in sent.items():
            if key in stored:  # not shown: write-only (a password, a file)
                yield from value_differences(value, stored[key], f"{where}.{key}")
    elif isinstance(sent, list):
        if not isinstance(stored, list) or len(sent) != len(stored):
            yield (where, sent, stored)
            return
        for index, (one, other) in enumerate(zip(sent, stored, strict=True)):
            yield from value_differences(one, other, f"{where}[{index}]")
    elif not same_value(sent, stored):
        yield (where, sent, stored)


LAST = {"DELETE /api/v1/auth/me/"}
# The required query of the plain call to the calculators (their generated queries rarely name a
# rule or rate that exists).
PLAIN_QUERIES = {
    "GET /api/v1/service-providers/{id}/statement/": lambda f: {"period": "2026-01"},
    "GET /api/v1/duty-estimate/": lambda f: {
        "destination": "JP",
        "currency": "USD",
        "hs_code": "940540",
        "value": "120",
        "origin": "KR",
    },
    "GET /api/v1/shipping-rates/quote/": lambda f: {
        "destination": "US",
        "sku": f.w.product.variants.get().sku,
        "quantity": 2,
    },
}
# GET operations that may answer nothing for every identity, and why. Every other list and detail
# operation must serve something to someone, so a new endpoint cannot pass on empty pages and 404s.
MAY_SERVE_NOTHING = {
    # The fuzz deletes and re-creates the world's endpoint before it lists its deliveries; the
    # deliveries list is read with rows in tests/core/test_webhooks.py and the permission table.
    "GET /api/v1/webhooks/{id}/deliveries/": "the endpoint is gone by then",
}


class Run:
    def __init__(self, operations):
        self.stats, self.read_back = {}, 0
        self.get_paths = {op.path for op in operations if op.method.upper() == "GET"}
        self.served = {op.label: False for op in operations if op.method.upper() == "GET"}


def test_api_fuzz(api_schema, fuzz):
    """Every operation, valid and invalid data, every identity: no failure of any check; every
    list and detail operation served something to someone."""
    # Closing an account ends its user for good: last, after everything else ran as that user.
    operations = sorted((result.ok() for result in api_schema.get_all_operations()), key=lambda op: op.label in LAST)
    run, failures = Run(operations), []
    for operation in operations:
        if operation.method.upper() == "GET":
            # Once plainly (no optional parameter), so a page is not empty only by a generated filter.
            query = PLAIN_QUERIES.get(operation.label, lambda f: None)(fuzz)
            plain = operation.Case(path_parameters=fuzz.path_parameters(operation.path) or None, query=query)
            for identity in IDENTITIES:
                try:
                    call(plain, identity, fuzz, run)
                except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - reported with the rest
                    failures.append(f"{operation.label} [plain, {identity}]: {str(error)[:1500]}")
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz_operation(operation, mode, fuzz, run)
            except Unsatisfiable:
                continue  # no invalid input exists for it (e.g. an operation without parameters)
            except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - collect every operation's failures, report all
                failures.append(f"{operation.label} [{mode.value}]: {str(error)[:1500]}")
        if "/auth/" in operation.path:
            fuzz.tokens_issue()
    unserved = sorted(label for label, served in run.served.items() if not served and label not in MAY_SERVE_NOTHING)
    if unserved:
        failures.append("Only ever an empty list or a 4xx for every identity (seed the world):\n" + "\n".join(unserved))
    summary = (
        f"{len(operations)} operations, responses by class: {dict(sorted(run.stats.items()))}, "
        f"{run.read_back} writes read back"
    )
    print(summary)  # noqa: T201
    assert not failures, summary + "\n\n" + "\n\n".join(failures)


def test_the_stored_as_sent_check_sees_an_input_coerced_into_something_else():
    sent = {"name": " Acme ", "country": {}, "price": {"amount": "1.5", "currency": "usd"}, "password": "x"}
    stored = {"id": 1, "name": "Acme", "country": "", "price": {"amount": "1.50", "currency": "USD"}}
    assert list(value_differences(sent, stored, "")) == [(".country", {}, "")]
    assert list(value_differences({"company": 5, "tags": ["a"]}, {"company": {"id": 5}, "tags": []}, "")) == [
        (".tags", ["a"], [])
    ]


# Fields written as an id and read back as another identifier (found by the read-back, issue 23;
# left for the trade desk's owner): compared nowhere until the two agree.
READ_IN_ANOTHER_FORM = {
    "/api/v1/rfqs/": "category",  # read back as its path, e.g. home/lighting
    "/api/v1/inquiries/": "product",  # read back as its slug
}
