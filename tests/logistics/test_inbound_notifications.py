"""The shipping company's owners and editors hear of an inbound receipt that differs from its
ASN, each in their own language, through the warehouse's receive endpoint and the outbox."""

import pytest

from core.models import Message, NotificationPreference
from logistics.models import InboundShipment
from tests.factories import company_with_owner, events_dispatch, owner_of, staff
from tests.logistics.test_inbound import URL, shipment_in

pytestmark = pytest.mark.django_db


def receive(api, operator, shipment, counts):
    pairs = zip(shipment.lines.order_by("pk"), counts, strict=True)
    lines = [{"line": line.pk, "quantity_received": n} for line, n in pairs]
    response = api.as_user(operator).post(f"{URL}{shipment.pk}/receive/", {"lines": lines})
    assert response.status_code == 200, response.content
    events_dispatch("inbound.received")


def test_a_receipt_with_discrepancies_is_mailed_to_owners_and_editors_in_their_language(api, operator):
    company = company_with_owner()
    owner, editor, viewer = owner_of(company), staff(company, "editor"), staff(company, "viewer")
    editor.locale = "ja"
    editor.save(update_fields=["locale"])
    shipment = shipment_in(InboundShipment.Status.IN_TRANSIT, company=company, operator=operator, quantities=(40, 5))
    skus = [line.variant.sku for line in shipment.lines.order_by("pk").select_related("variant")]
    receive(api, operator, shipment, (37, 5))

    messages = {m.recipient: m for m in Message.objects.filter(template="emails/inbound_discrepancies")}
    assert set(messages) == {owner.email, editor.email}  # never the viewer
    assert viewer.email not in messages
    ko, ja = messages[owner.email], messages[editor.email]
    assert (ko.locale, ja.locale) == ("ko", "ja")
    assert ko.subject == f"입고 ASN-{shipment.pk} 수량 차이"
    assert ja.subject == f"入庫 ASN-{shipment.pk}：数量が ASN と異なります"
    assert f"SKU {skus[0]}: 予定 40, 入荷 37, 差異 -3" in ja.body_text
    assert f"SKU {skus[0]}: 예정 40, 입고 37, 차이 -3" in ko.body_text
    assert skus[1] not in ko.body_text  # the line counted as announced is not listed
    assert all(m.status == "pending" and m.user_id for m in messages.values())


def test_a_receipt_as_announced_sends_no_e_mail(api, operator):
    shipment = shipment_in(InboundShipment.Status.IN_TRANSIT, operator=operator, quantities=(4, 2))
    receive(api, operator, shipment, (4, 2))
    assert not Message.objects.filter(template="emails/inbound_discrepancies").exists()


def test_the_discrepancy_notice_is_optional(api, operator):
    company = company_with_owner()
    NotificationPreference.objects.create(user=owner_of(company), template="inbound_discrepancies", enabled=False)
    shipment = shipment_in(InboundShipment.Status.IN_TRANSIT, company=company, operator=operator, quantities=(4,))
    receive(api, operator, shipment, (6,))
    assert Message.objects.get(template="emails/inbound_discrepancies").status == "skipped"
