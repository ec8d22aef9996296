"""Negotiated price lists for verified buyer companies (the storefront price endpoint and quotes
use them) and net terms: an operator's credit line, orders on terms payable by their due date,
overdue invoices on the dashboard blocking new orders on terms, the limit held under concurrency."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import Conflict
from core.money import Money
from marketplace.models import CreditLine, Order, PriceList, Quote, TermsInvoice
from marketplace.services.b2b_terms import PriceEntrySpec, credit_line_grant, price_list_create
from marketplace.services.trade import buyer_company_verify
from marketplace.services.trade_orders import quote_accept
from tests.factories import OperatorFactory, UserFactory, company_with_owner, owner_of
from tests.logistics.helpers import receive
from tests.marketplace.trade_helpers import TOKYO_OFFICE, b2b_product, buyer, quote, rfq
from tests.race import run_before

pytestmark = pytest.mark.django_db


def verified_buyer():
    company, user = buyer()
    return buyer_company_verify(actor=OperatorFactory(), buyer_company=company), user


def negotiated(item, buyer_company, *tiers):
    """The seller's list for the buyer: (min_quantity, KRW) tiers for `item`."""
    return price_list_create(
        actor=owner_of(item.company),
        company=item.company,
        buyer_company=buyer_company,
        name="Tokyo Zakka 2027",
        currency="KRW",
        entries=[PriceEntrySpec(item, Money(Decimal(price), "KRW"), q) for q, price in tiers],
    )


def price_list_body(item, buyer_company_, **overrides):
    return {
        "company": item.company_id,
        "buyer_company": buyer_company_.pk,
        "name": "Tokyo Zakka 2027",
        "currency": "KRW",
        "entries": [{"product": item.pk, "min_quantity": 100, "unit_price": {"amount": "7000", "currency": "KRW"}}],
        **overrides,
    }


# --- price lists --------------------------------------------------------------------------


def test_a_seller_sets_a_price_list_for_a_verified_buyer_and_a_new_one_replaces_it(api):
    item, (company, _) = b2b_product(), verified_buyer()
    api.as_user(owner_of(item.company))
    first = api.post("/api/v1/price-lists/", price_list_body(item, company), format="json")
    assert first.status_code == 201, first.json()
    assert first.json()["entries"][0]["unit_price"] == {"amount": "7000", "currency": "KRW"}
    second = api.post("/api/v1/price-lists/", price_list_body(item, company, name="v2"), format="json")
    assert second.status_code == 201, second.json()
    statuses = dict(PriceList.objects.values_list("name", "status"))
    assert statuses == {"Tokyo Zakka 2027": "archived", "v2": "active"}
    archived = api.post(f"/api/v1/price-lists/{second.json()['id']}/archive/")
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    assert api.post(f"/api/v1/price-lists/{second.json()['id']}/archive/").status_code == 409


def test_price_list_input_is_checked_by_field_and_nothing_is_written(api):
    item, (company, _) = b2b_product(), verified_buyer()
    unverified, _ = buyer(name="Unverified")
    other = b2b_product(company_with_owner())
    api.as_user(owner_of(item.company))
    entry = {"product": item.pk, "unit_price": {"amount": "7000", "currency": "KRW"}}
    for overrides, attr in [
        ({"buyer_company": unverified.pk}, "buyer_company"),
        ({"buyer_company": 2**62}, "buyer_company"),
        ({"entries": [{**entry, "product": other.pk}]}, "entries.0.product"),
        ({"entries": [{**entry, "unit_price": {"amount": "5", "currency": "USD"}}]}, "entries.0.unit_price"),
        ({"entries": [entry, entry]}, "entries.1.min_quantity"),
        ({"entries": []}, "entries.non_field_errors"),
        ({"valid_until": "2001-01-01"}, "valid_until"),
    ]:
        response = api.post("/api/v1/price-lists/", price_list_body(item, company, **overrides), format="json")
        assert response.status_code == 400, (overrides, response.json())
        assert attr in {e["attr"] for e in response.json()["errors"]}, (overrides, response.json())
    assert not PriceList.objects.exists()
    # Another company's staff cannot set prices for this seller, nor see its lists.
    api.as_user(owner_of(other.company))
    assert api.post("/api/v1/price-lists/", price_list_body(item, company), format="json").status_code == 403
    listed = negotiated(item, company, (100, "7000"))
    assert api.get(f"/api/v1/price-lists/{listed.pk}/").status_code == 404


def test_the_storefront_price_is_the_buyers_negotiated_one_by_tier(api):
    item, (company, user) = b2b_product(), verified_buyer()
    price_list = negotiated(item, company, (100, "7000"), (500, "6500"))
    path = f"/api/v1/storefront/products/{item.slug}/price/?currency=USD&quantity="
    public = api.get(f"{path}500").json()
    assert public["unit_price"] == {"amount": "5.80", "currency": "USD"} and public["price_list"] is None
    api.as_user(user)
    for quantity, unit in [(100, "5.07"), (500, "4.71")]:  # 7,000 and 6,500 KRW at 1,380 KRW per USD
        body = api.get(f"{path}{quantity}").json()
        assert body["unit_price"] == {"amount": unit, "currency": "USD"}, body
        assert body["price_list"] == price_list.pk and body["list_unit_price"]["currency"] == "USD"
    assert api.get(f"{path}500").json()["total"] == {"amount": "2355.00", "currency": "USD"}
    # Below the MOQ no B2B price applies at all; another buyer sees the public price.
    assert api.get(f"{path}10").status_code == 400
    api.as_user(verified_buyer()[1])
    assert api.get(f"{path}500").json()["price_list"] is None


def test_a_quote_for_the_buyer_is_priced_from_its_price_list(network):
    item, (company, user) = b2b_product(), verified_buyer()
    price_list = negotiated(item, company, (100, "6500"))
    q = quote(rfq(company, user), item, quantity=500, incoterm="EXW")
    line = q.lines.get()
    assert line.unit_price == line.list_unit_price == Decimal("4.71") and line.price_list == price_list
    assert q.total == Decimal("2355.00")
    # Another buyer's RFQ gets the tier price.
    assert quote(rfq(), item, quantity=500).lines.get().unit_price == Decimal("5.80")


# --- net terms ----------------------------------------------------------------------------


def grant_body(company, **overrides):
    return {
        "buyer_company": company.pk,
        "net_days": 30,
        "credit_limit": {"amount": "4000.00", "currency": "USD"},
        **overrides,
    }


def test_only_an_operator_grants_net_terms_to_a_verified_buyer(api):
    company, user = verified_buyer()
    unverified, _ = buyer(name="Unverified")
    api.as_user(user)
    assert api.post("/api/v1/credit-lines/", grant_body(company), format="json").status_code == 403
    api.as_user(OperatorFactory())
    for overrides, attr in [
        ({"buyer_company": unverified.pk}, "buyer_company"),
        ({"net_days": 45}, "net_days"),
        ({"credit_limit": {"amount": "-1", "currency": "USD"}}, "credit_limit"),
        ({"credit_limit": {"amount": "1.001", "currency": "USD"}}, "credit_limit"),
    ]:
        response = api.post("/api/v1/credit-lines/", grant_body(company, **overrides), format="json")
        assert response.status_code == 400, (overrides, response.json())
        assert attr in {e["attr"] for e in response.json()["errors"]}
    assert not CreditLine.objects.exists()
    granted = api.post("/api/v1/credit-lines/", grant_body(company), format="json")
    assert granted.status_code == 201, granted.json()
    assert granted.json()["credit_available"] == {"amount": "4000.00", "currency": "USD"}
    api.as_user(user)
    assert [line["id"] for line in api.get("/api/v1/credit-lines/").json()["results"]] == [granted.json()["id"]]
    api.as_user(UserFactory())
    assert api.get(f"/api/v1/credit-lines/{granted.json()['id']}/").status_code == 404


def on_terms(network, *, limit="4000.00", quotes=1):
    """A verified buyer on net 30 with `limit` USD and `quotes` EXW quotes of 2,355 USD each
    (its negotiated 6,500 KRW a unit), from different sellers."""
    company, user = verified_buyer()
    credit_line_grant(
        actor=OperatorFactory(), buyer_company=company, net_days=30, credit_limit=Money(Decimal(limit), "USD")
    )
    made = []
    for _ in range(quotes):
        item = b2b_product()
        receive(item.variants.get(), network["warehouses"]["tyo-dc"], 1000)
        negotiated(item, company, (100, "6500"))
        made.append(quote(rfq(company, user), item, quantity=500, incoterm="EXW"))
    return company, user, made


def accept_on_terms(api, q, user):
    api.as_user(user)
    return api.post(
        f"/api/v1/quotes/{q.pk}/accept/",
        {"payment_terms": "net_terms", "shipping_address": TOKYO_OFFICE},
        format="json",
    )


def test_an_order_on_terms_ships_now_and_is_payable_by_its_due_date(api, network):
    company, user, (q,) = on_terms(network)
    response = accept_on_terms(api, q, user)
    assert response.status_code == 201, response.json()
    order = Order.objects.get(pk=response.json()["order_id"])
    invoice = order.terms_invoice
    assert order.status == "paid"  # cleared for fulfilment on the credit line
    assert (invoice.status, invoice.amount, invoice.due_on) == ("open", q.total, timezone.localdate() + timedelta(30))
    assert order.payments.get().status == "processing"
    assert [e.kind for e in order.events.all()][:3] == ["placed", "on_terms", "paid"]
    listed = api.get("/api/v1/terms-invoices/").json()["results"]
    assert [(i["order"], i["overdue"]) for i in listed] == [(order.number, False)]
    line = api.get("/api/v1/credit-lines/").json()["results"][0]
    assert line["credit_used"] == {"amount": "2355.00", "currency": "USD"}
    # Only an operator records the payment; then the credit is free again.
    path = f"/api/v1/terms-invoices/{invoice.pk}/settle/"
    assert api.post(path, {"reference": "SWIFT 7"}, format="json").status_code == 403
    api.as_user(OperatorFactory())
    settled = api.post(path, {"reference": "SWIFT 7"}, format="json")
    assert settled.status_code == 200 and settled.json()["status"] == "paid"
    assert order.payments.get().status == "succeeded"
    assert api.post(path, {}, format="json").status_code == 409
    api.as_user(user)
    assert api.get("/api/v1/credit-lines/").json()["results"][0]["credit_used"]["amount"] == "0.00"


def test_cancelling_an_order_on_terms_voids_its_invoice_and_frees_the_credit(api, network):
    company, user, (q,) = on_terms(network)
    order = Order.objects.get(pk=accept_on_terms(api, q, user).json()["order_id"])
    api.as_user(OperatorFactory())
    response = api.post(f"/api/v1/orders/{order.pk}/cancel/", {"reason": "buyer called"}, format="json")
    assert response.status_code == 200, response.json()
    assert TermsInvoice.objects.get(order=order).status == "void"
    api.as_user(user)
    assert api.get("/api/v1/credit-lines/").json()["results"][0]["credit_used"]["amount"] == "0.00"


def test_an_order_beyond_the_credit_available_is_a_409_and_nothing_is_written(api, network):
    company, user, (q,) = on_terms(network, limit="2000.00")
    response = accept_on_terms(api, q, user)
    assert response.status_code == 409, response.json()
    assert response.json()["errors"][0]["attr"] == "payment_terms"
    assert not Order.objects.exists() and not TermsInvoice.objects.exists()
    q.refresh_from_db()
    assert q.status == Quote.Status.ACTIVE


def test_without_net_terms_an_order_on_terms_is_bad_input(api, network):
    company, user = verified_buyer()
    item = b2b_product()
    receive(item.variants.get(), network["warehouses"]["tyo-dc"], 1000)
    response = accept_on_terms(api, quote(rfq(company, user), item, incoterm="EXW"), user)
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "payment_terms"
    assert not Order.objects.exists()


def test_an_overdue_invoice_shows_on_the_dashboard_and_blocks_new_orders_on_terms(api, client, network):
    company, user, (first, second) = on_terms(network, limit="10000.00", quotes=2)
    assert accept_on_terms(api, first, user).status_code == 201
    # Forty days on, the first invoice (net 30) is overdue.
    TermsInvoice.objects.update(due_on=timezone.localdate() - timedelta(days=10))
    response = accept_on_terms(api, second, user)
    assert response.status_code == 409 and "overdue" in response.json()["errors"][0]["detail"]
    assert api.get("/api/v1/terms-invoices/").json()["results"][0]["overdue"] is True
    client.force_login(OperatorFactory())
    html = client.get("/admin/").content.decode()
    assert "Invoices on net terms overdue" in html
    listed = client.get("/admin/marketplace/termsinvoice/?overdue=yes")
    assert listed.context["cl"].result_count == 1
    # Paid, the buyer may order on terms again.
    client.post(
        "/admin/marketplace/termsinvoice/",
        {"action": "settle", "_selected_action": [TermsInvoice.objects.get().pk]},
    )
    assert TermsInvoice.objects.get().status == "paid"
    assert accept_on_terms(api, second, user).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_two_orders_on_terms_at_once_never_pass_the_credit_limit(network):
    # 4,000 USD of credit, two orders of 2,355: whichever takes the credit line first wins.
    company, user, (first, second) = on_terms(network, quotes=2)

    def accept(q):
        return quote_accept(actor=user, quote=q, payment_terms="net_terms", shipping_address=TOKYO_OFFICE)

    # The first holds the credit line and is about to sum what is open when the second arrives.
    with run_before(TermsInvoice.objects, "filter", lambda: accept(second)) as other:
        accept(first)
    assert other.waited_for_lock and isinstance(other.error, Conflict)
    assert TermsInvoice.objects.count() == Order.objects.count() == 1
    assert TermsInvoice.objects.get().order.quote == first


def test_operators_grant_net_terms_in_the_admin_through_the_service(client):
    company, _ = verified_buyer()
    unverified, _ = buyer(name="Unverified")
    operator = OperatorFactory()
    client.force_login(operator)
    form = {"net_days": 60, "credit_limit": "25000", "currency": "EUR"}
    refused = client.post("/admin/marketplace/creditline/add/", {**form, "buyer_company": unverified.pk})
    assert refused.status_code == 200 and "verified buyer companies" in refused.content.decode()
    assert not CreditLine.objects.exists()
    granted = client.post("/admin/marketplace/creditline/add/", {**form, "buyer_company": company.pk})
    assert granted.status_code == 302
    line = CreditLine.objects.get()
    assert (line.buyer_company, line.net_days, line.credit_limit, line.granted_by) == (company, 60, 25000, operator)
    # SME staff never see net terms.
    client.force_login(owner_of(b2b_product().company))
    assert client.get("/admin/marketplace/creditline/").status_code == 403
