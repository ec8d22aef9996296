"""Done when: a DDP checkout to the US, Germany and China of a Korean product that qualifies
under the FTA between them shows the preferential rate and the saving against MFN, through the
API, and a product that does not qualify pays MFN; the order keeps which agreement and rate."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from core.money import quantize
from marketplace.models import Order
from tests.logistics.trade_helpers import qualify
from tests.marketplace.conftest import LA
from tests.marketplace.test_checkout import choose, complete, start, stocked_lamp

pytestmark = pytest.mark.django_db

BERLIN = {"name": "Jonas Weber", "lines": ["Torstr. 1"], "city": "Berlin", "postal_code": "10119", "country": "DE"}
SHANGHAI = {"name": "Li Wei", "lines": ["1 Nanjing Rd"], "city": "Shanghai", "postal_code": "200001", "country": "CN"}

# (address, currency, agreement, preferential rate, MFN rate of heading 9405 there, VAT on duty)
CASES = [
    (LA, "USD", "KORUS", "0.0000", "0.0390", "0"),
    (BERLIN, "EUR", "KOREU", "0.0000", "0.0470", "0.19"),
    (SHANGHAI, "CNY", "KCFTA", "0.0450", "0.0750", "0.13"),
]


def ddp(network, item, address, currency, quantity=8):
    client = APIClient()
    checkout = start(client, item.variants.get().sku, quantity, address=address, currency=currency)
    body, option = choose(client, checkout["id"], "DDP", "icn-hub")
    return client, checkout, body, option


@pytest.mark.parametrize(("address", "currency", "agreement", "rate", "mfn", "vat"), CASES)
def test_a_qualifying_korean_product_checks_out_ddp_at_the_preferential_rate(
    network, address, currency, agreement, rate, mfn, vat
):
    item = stocked_lamp(network, warehouse="icn-hub")
    qualify(item, agreement, exporter_authorisation="KR/AE/7")
    client, checkout, body, option = ddp(network, item, address, currency)
    subtotal = Decimal(body["totals"]["subtotal"]["amount"])
    duty, mfn_duty = quantize(subtotal * Decimal(rate), currency), quantize(subtotal * Decimal(mfn), currency)
    assert option["preferences"] == [
        {
            "line": 1,
            "hs_code": "940540",
            "agreement": agreement,
            "rate": rate,
            "mfn_rate": mfn,
            "saving": {"amount": f"{mfn_duty - duty:f}", "currency": currency},
        }
    ]
    assert option["duties"] == {"amount": f"{duty:f}", "currency": currency}
    assert option["mfn_duties"] == {"amount": f"{mfn_duty:f}", "currency": currency}
    tax, mfn_tax = (quantize((subtotal + d) * Decimal(vat), currency) for d in (duty, mfn_duty))
    assert option["taxes"] == {"amount": f"{tax:f}", "currency": currency}
    assert option["saving"] == {"amount": f"{mfn_duty + mfn_tax - duty - tax:f}", "currency": currency}
    assert Decimal(option["saving"]["amount"]) > 0
    assert body["totals"]["duties"] == option["duties"]
    assert complete(client, checkout["id"]).status_code == 201
    order = Order.objects.get(checkout_id=checkout["id"])
    assert order.shipping_option["preferences"][0]["agreement"] == agreement


@pytest.mark.parametrize(("address", "currency", "agreement", "rate", "mfn", "vat"), CASES)
def test_a_product_that_does_not_qualify_pays_mfn(network, address, currency, agreement, rate, mfn, vat):
    item = stocked_lamp(network, warehouse="icn-hub")
    qualify(item, agreement, verify=False)  # declared, never verified
    _, _, body, option = ddp(network, item, address, currency)
    subtotal = Decimal(body["totals"]["subtotal"]["amount"])
    assert option["preferences"] == [] and option["saving"] == {
        "amount": f"{quantize(Decimal(0), currency):f}",
        "currency": currency,
    }
    assert (
        option["duties"]
        == option["mfn_duties"]
        == {
            "amount": f"{quantize(subtotal * Decimal(mfn), currency):f}",
            "currency": currency,
        }
    )
