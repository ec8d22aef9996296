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

import os
import re

import pytest
import schemathesis
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

from tests.factories import active_brand, product, published
from tests.test_permissions import (
    _b2b,
    _b2b_order,
    _customs,
    _inbound,
    _mark,
    _outbound,
    _seller_application,
    _settlement,
    _synd,
    _trade,
    _voucher,
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
    (r"/brands/\{slug\}/memberships/\{membership_id\}/approve/", {"membership_id": lambda f: f.w.application.pk}),
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
    (r"/programmes/\{id\}", {"id": lambda f: _settlement(f.w, "programme").pk}),
    (r"/payouts/\{id\}", {"id": lambda f: _settlement(f.w, "payout").pk}),
    (
        r"/companies/\{company_id\}/statements/\{period\}",
        {"company_id": lambda f: f.w.companies["member"].pk, "period": lambda f: "2026-10"},
    ),
    (r"/companies/\{company_id\}", {"company_id": lambda f: f.w.companies["member"].pk}),
    (r"/channel-listings/\{id\}", {"id": lambda f: _synd(f.w)["listing"].pk}),
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
    (r"/syndication-jobs/\{id\}", {"id": lambda f: _synd(f.w)["job"].pk}),
]


class Fuzz:
    """The permission matrix' world plus a storefront (an active brand, a published product),
    and a bearer token per identity."""

    def __init__(self, w):
        from core.services import user_token_get_or_create

        self.w = w
        self.shop_brand = active_brand()
        self.shop_product = published(product(self.shop_brand.lead_company, brand=self.shop_brand))
        users = {
            "buyer": w.users["outsider"],
            "sme": w.users["member"],
            "lead": w.users["lead"],
            "operator": w.users["operator"],
        }
        self.headers = {"anon": {}} | {
            name: {"Authorization": f"Bearer {user_token_get_or_create(user=user)}"} for name, user in users.items()
        }
        self._params = {}

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


def fuzz_operation(operation, mode, fuzz, stats):
    # Invalid path parameters stay as generated: they must be 4xx whatever the seeded objects.
    fixed = fuzz.path_parameters(operation.path) if mode == GenerationMode.POSITIVE else {}
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed or None)

    @SETTINGS
    @given(case=strategy)
    def run(case):
        for identity in IDENTITIES if mode == GenerationMode.POSITIVE else NEGATIVE_IDENTITIES:
            response = case.call_and_validate(headers=fuzz.headers[identity], checks=CHECKS)
            stats[response.status_code // 100] = stats.get(response.status_code // 100, 0) + 1

    run()


def test_api_fuzz(api_schema, fuzz):
    """Every operation, valid and invalid data, every identity: no failure of any check."""
    failures, stats, operations = [], {}, 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz_operation(operation, mode, fuzz, stats)
            except Unsatisfiable:
                continue  # no invalid input exists for it (e.g. an operation without parameters)
            except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - collect every operation's failures, report all
                failures.append(f"{operation.label} [{mode.value}]: {str(error)[:1500]}")
    summary = f"{operations} operations, responses by class: {dict(sorted(stats.items()))}"
    print(summary)  # noqa: T201
    assert not failures, summary + "\n\n" + "\n\n".join(failures)
