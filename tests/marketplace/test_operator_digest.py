"""The operators' daily digest (config/digest.py): one e-mail a day to each operator listing
the desk's overdue queues with their counts and oldest waits, through the message log."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from config.digest import DIGEST_PHRASES, operator_digest_send
from config.tasks import operator_digest_send_task
from core.models import Message
from core.money import Money
from core.selectors import operator_list
from marketplace.models import Order, Refund
from marketplace.services.refunds import refund_grant
from tests.factories import OperatorFactory, UserFactory, company_with_owner
from tests.marketplace.desk_helpers import paid_order, sellable

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue_desk(network):
    """Two orders paid three days ago and one paid now; a refund granted two days ago."""
    seller = company_with_owner()
    item = sellable(seller, network["warehouses"]["tyo-dc"])
    late = [paid_order([item]), paid_order([item])]
    paid_order([item])
    now = timezone.now()
    Order.objects.filter(pk__in=[o.pk for o in late]).update(paid_at=now - timedelta(days=3, hours=2))
    refund = refund_grant(order=late[0], amount=Money(late[0].total / 2, "JPY").quantized(), reason="Goodwill")
    Refund.objects.filter(pk=refund.pk).update(created_at=now - timedelta(days=2))
    return seller


def test_each_operator_gets_one_digest_a_day_with_the_overdue_counts(
    overdue_desk, settings, django_capture_on_commit_callbacks
):
    settings.CONTENT_DEFAULT_LOCALE = "en"
    mine = [OperatorFactory(), OperatorFactory()]
    inactive = OperatorFactory(is_active=False)
    staff = UserFactory(is_staff=True)  # staff outside the operators group: not an operator
    operators = list(operator_list())  # with the one who approved the seller's product
    assert set(mine) <= set(operators) and not {inactive, staff} & set(operators) and len(operators) == 3
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert operator_digest_send(now=now) == 3

    messages = Message.objects.filter(template="emails/operator_digest").order_by("recipient")
    assert sorted(m.recipient for m in messages) == sorted(o.email for o in operators)
    message = messages[0]
    assert (message.status, message.locale, message.key) == ("sent", "en", f"operator_digest:{now.date()}")
    assert message.subject == f"Operations desk, {now.date()}: 2 overdue queue(s)"
    assert "- Paid orders not fulfilled within 48 hours: Overdue 2, Oldest waiting 3 days" in message.body_text
    assert "- Refunds granted but not executed after a day: Overdue 1, Oldest waiting 2 days" in message.body_text
    assert "/admin/marketplace/order/?status__exact=paid" in message.body_text
    assert "Inbound" not in message.body_text and "Return requests" not in message.body_text
    assert '<td style="text-align: right; padding: 4px;">2</td>' in message.body_html
    assert sorted(sent.to[0] for sent in mail.outbox) == sorted(o.email for o in operators)

    # Again the same day (the beat fired twice, a worker redelivered the task): nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert operator_digest_send(now=timezone.localtime(now).replace(hour=23, minute=59, second=59)) == 0
    assert Message.objects.filter(template="emails/operator_digest").count() == 3 and len(mail.outbox) == 3
    # The next day, a new one each.
    with django_capture_on_commit_callbacks(execute=True):
        assert operator_digest_send(now=now + timedelta(days=1)) == 3


def test_nothing_overdue_sends_nothing(network, settings, django_capture_on_commit_callbacks):
    item = sellable(company_with_owner(), network["warehouses"]["tyo-dc"])
    paid_order([item])  # paid now: waiting, not overdue
    with django_capture_on_commit_callbacks(execute=True):
        assert operator_digest_send_task.apply().get() == 0
    assert not Message.objects.filter(template="emails/operator_digest").exists() and mail.outbox == []


@pytest.mark.parametrize("locale", ["ko", "en", "zh-hans", "ja", "es"])
def test_the_digest_is_written_in_the_operators_language(locale, overdue_desk, settings):
    settings.CONTENT_DEFAULT_LOCALE = "ko" if locale != "ko" else "en"  # their own language wins
    operator = OperatorFactory(locale=locale)
    assert operator_digest_send() == len(operator_list())
    message = Message.objects.get(template="emails/operator_digest", recipient=operator.email)
    words = DIGEST_PHRASES[locale]
    assert message.locale == locale
    assert f"{words['orders_to_fulfil']}: {words['waiting']} 2, {words['oldest']}" in message.body_text
    assert f"{words['refunds_granted']}: {words['waiting']} 1, {words['oldest']}" in message.body_text
    assert words["orders_to_fulfil"] in message.body_html and words["intro"] in message.body_html


def test_beat_sends_it_once_a_day_at_the_configured_hour(settings):
    from config.celery_app import app, operator_digest_schedule

    settings.OPERATOR_DIGEST_HOUR = 6
    operator_digest_schedule()
    entry = app.conf.beat_schedule["operator-digest"]
    assert entry["task"] == operator_digest_send_task.name == "config.tasks.operator_digest_send_task"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({6}, {0})
