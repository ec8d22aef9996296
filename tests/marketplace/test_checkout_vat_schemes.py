"""Done when: an EUR 120 consignment to France is charged VAT at checkout under IOSS (DAP and DDP
alike, none left for the border), and one over EUR 150 is not; through the API."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from marketplace.models import Order
from tests.marketplace.test_checkout import choose, complete, start, stocked_lamp

pytestmark = pytest.mark.django_db

PARIS = {
    "name": "Claire Martin",
    "lines": ["5 rue de Rivoli"],
    "city": "Paris",
    "postal_code": "75001",
    "country": "FR",
}
EUR = "EUR"


def euros(amount: str) -> dict:
    return {"amount": amount, "currency": EUR}


def paris_checkout(network, quantity):
    item = stocked_lamp(network, warehouse="icn-hub", b2c_prices={EUR: Decimal("60.00")})
    client = APIClient()
    checkout = start(client, item.variants.get().sku, quantity, address=PARIS, currency=EUR)
    return client, checkout


def test_an_eur_120_checkout_to_france_is_charged_vat_under_ioss_whatever_the_incoterm(network):
    client, checkout = paris_checkout(network, 2)
    assert checkout["totals"]["subtotal"] == euros("120.00")
    options = client.get(f"/api/v1/checkouts/{checkout['id']}/shipping-options/").json()
    for option in options:
        # VAT 20% of EUR 120 at sale; EU duty relief ended 2026-07-01, so 4.7% duty (5.64) remains.
        assert option["taxes"] == euros("24.00")
        assert option["tax_scheme"]["code"] == "EU-IOSS"
        assert option["tax_scheme"]["registration_number"] == "IM2760000000"
        assert option["tax_scheme"]["consignment_value"] == euros("120.00")
    dap = next(o for o in options if o["incoterm"] == "DAP")
    assert dap["duties"] == euros("0.00")
    assert dap["estimated_on_delivery"] == {"duties": euros("5.64"), "taxes": euros("0.00")}
    body, ddp = choose(client, checkout["id"], "DDP", "icn-hub")
    assert (ddp["duties"], body["totals"]["taxes"]) == (euros("5.64"), euros("24.00"))
    assert complete(client, checkout["id"]).status_code == 201
    order = Order.objects.get(checkout_id=checkout["id"])
    assert order.shipping_option["rule_versions"]["tax_scheme"]["code"] == "EU-IOSS"


def test_over_eur_150_the_vat_is_import_vat_at_the_border(network):
    client, checkout = paris_checkout(network, 3)  # EUR 180
    options = client.get(f"/api/v1/checkouts/{checkout['id']}/shipping-options/").json()
    dap = next(o for o in options if o["incoterm"] == "DAP")
    ddp = next(o for o in options if o["incoterm"] == "DDP")
    # duty 4.7% of 180 = 8.46; import VAT 20% of 188.46 = 37.69
    assert dap["taxes"] == euros("0.00") and dap["estimated_on_delivery"] == {
        "duties": euros("8.46"),
        "taxes": euros("37.69"),
    }
    assert (ddp["duties"], ddp["taxes"], ddp["tax_scheme"]) == (euros("8.46"), euros("37.69"), None)
