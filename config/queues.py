"""The operations desk's queues that have a due time: what waits in each (the dashboard counts
it), since when each row waits, and how long it may wait before it is overdue (the operators'
daily digest, config/digest.py, lists the overdue ones). One definition for both, so the digest
and the dashboard never disagree about what a queue holds."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Min, Model, Q
from django.utils import timezone

from logistics.models import CustomsDeclaration, InboundShipment
from marketplace.b2b_selectors import overdue
from marketplace.desk_selectors import FULFILMENT_DUE
from marketplace.models import Order, Refund, ReturnRequest, TermsInvoice


@dataclass(frozen=True)
class DeskQueue:
    key: str  # names the queue in the digest's phrase tables
    model: type[Model]
    waiting: Callable[[], Q]  # the rows in the queue
    since: str  # the field each row waits from
    due: timedelta | None  # waiting longer is overdue; None: every waiting row is overdue already
    filters: dict  # the admin list of the queue's rows (changelist query)

    def overdue(self, now: datetime) -> Q:
        if self.due is None:
            return self.waiting()
        return self.waiting() & Q(**{f"{self.since}__lt": now - self.due})


ORDERS_TO_FULFIL = DeskQueue(
    "orders_to_fulfil",
    Order,
    lambda: Q(status=Order.Status.PAID),
    "paid_at",
    FULFILMENT_DUE,
    {"status__exact": "paid"},
)
REFUNDS_GRANTED = DeskQueue(
    "refunds_granted",
    Refund,
    lambda: Q(status=Refund.Status.GRANTED),
    "created_at",
    timedelta(days=1),
    {"status__exact": "granted"},
)
TERMS_INVOICES_OVERDUE = DeskQueue("terms_invoices_overdue", TermsInvoice, overdue, "due_on", None, {"overdue": "yes"})
INBOUND_TO_INSPECT = DeskQueue(
    "inbound_to_inspect",
    InboundShipment,
    lambda: Q(status=InboundShipment.Status.RECEIVED),
    "received_at",
    timedelta(days=2),
    {"status__exact": "received"},
)
DECLARATIONS_HELD = DeskQueue(
    "declarations_held",
    CustomsDeclaration,
    lambda: Q(status=CustomsDeclaration.Status.HELD),
    "decided_at",
    timedelta(days=2),
    {"status__exact": "held"},
)
RETURNS_TO_APPROVE = DeskQueue(
    "returns_to_approve",
    ReturnRequest,
    lambda: Q(status=ReturnRequest.Status.REQUESTED),
    "created_at",
    timedelta(days=2),
    {"status__exact": "requested"},
)
DUE_QUEUES = [
    ORDERS_TO_FULFIL,
    REFUNDS_GRANTED,
    TERMS_INVOICES_OVERDUE,
    INBOUND_TO_INSPECT,
    DECLARATIONS_HELD,
    RETURNS_TO_APPROVE,
]


@dataclass(frozen=True)
class Overdue:
    queue: DeskQueue
    count: int
    oldest: timedelta  # how long the longest-waiting row has waited


def overdue_queues(*, now: datetime | None = None) -> list[Overdue]:
    """The queues with overdue rows, each with their count and the oldest row's wait; one
    aggregate query per queue."""
    now = now or timezone.now()
    found = []
    for queue in DUE_QUEUES:
        rows = queue.model.objects.filter(queue.overdue(now)).aggregate(count=Count("pk"), oldest=Min(queue.since))
        if rows["count"]:
            oldest = rows["oldest"]
            if not isinstance(oldest, datetime) and isinstance(oldest, date):  # a due date
                oldest = datetime.combine(oldest, datetime.min.time(), tzinfo=timezone.get_current_timezone())
            found.append(Overdue(queue, rows["count"], now - oldest))
    return found
