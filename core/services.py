from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from core.errors import WrongState
from core.events import BUYER_SUBSCRIBABLE, EventType
from core.lookups import rows_create
from core.models import AuthToken, Event, ExchangeRate, IdempotencyKey, Job, SecurityEvent, User
from core.rates import rate_provider
from core.signals import event_buyers_resolving


def event_record(
    *, type: str, data: dict, company_ids=(), company_data: dict | None = None, buyer_company_ids=None
) -> Event:
    """Writes one event to the outbox, in the caller's transaction, and dispatches it after
    commit: a rolled-back change leaves no event, a committed one always has its event (a lost
    dispatch is picked up by `events_dispatch_sweep`). `company_ids`: the companies the event
    concerns; only their webhook endpoints (and operators' platform-wide ones) receive it.
    `company_data`: {company_id: {key: value}} replacing keys of `data` for that company's
    endpoints, where `data` holds more than each company may see (other sellers' lines).
    `buyer_company_ids`: the buyer companies whose order, RFQ or quote it is; None for an event a
    buyer may subscribe to asks the apps (`core.signals.event_buyers_resolving`): logistics
    records a shipment's events knowing only its opaque reference."""
    if type not in EventType.values:
        raise ValueError(f"{type} is not in the event catalogue (core.events.EventType)")
    if buyer_company_ids is None and type in BUYER_SUBSCRIBABLE:
        answers = event_buyers_resolving.send(sender=Event, type=type, data=data)
        buyer_company_ids = [pk for _, ids in answers for pk in ids or ()]
    event = Event.objects.create(
        type=type,
        data=data,
        company_ids=sorted({int(pk) for pk in company_ids if pk}),
        company_data={str(pk): part for pk, part in (company_data or {}).items()},
        buyer_company_ids=sorted({int(pk) for pk in buyer_company_ids or () if pk}),
    )
    event_id = event.pk
    transaction.on_commit(lambda: event_dispatch_queue(event_id=event_id), robust=True)
    return event


def events_record(*, events: list[dict]) -> list[Event]:
    """Many events (each given as `event_record`'s keyword arguments) written with one insert and
    dispatched by one task after commit, for a service that changes many rows at once (a
    syndication batch's listings): the same outbox rows and the same fan-out as one `event_record`
    each, without an insert and a broker message per event."""
    known = set(EventType.values)
    for event in events:
        if event["type"] not in known:
            raise ValueError(f"{event['type']} is not in the event catalogue (core.events.EventType)")
    created = rows_create(
        [
            Event(
                type=event["type"],
                data=event["data"],
                company_ids=sorted({int(pk) for pk in event.get("company_ids", ()) if pk}),
                company_data={str(pk): part for pk, part in (event.get("company_data") or {}).items()},
            )
            for event in events
        ]
    )
    event_ids = [event.pk for event in created]
    if event_ids:
        transaction.on_commit(lambda: events_dispatch_queue(event_ids=event_ids), robust=True)
    return created


def event_dispatch_queue(*, event_id: int) -> None:
    from core.tasks import event_dispatch_task

    event_dispatch_task.delay(event_id)


def events_dispatch_queue(*, event_ids: list[int]) -> None:
    from core.tasks import events_dispatch_task

    events_dispatch_task.delay(event_ids)


def client_ip(request) -> str | None:
    """The caller's address as the web server saw it (the proxy in front sets REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR") if request is not None else None


def security_event_record(
    *,
    kind: str,
    user: User | None = None,
    actor: User | None = None,
    company_id: int | None = None,
    request=None,
    **detail,
) -> SecurityEvent:
    """Appends one row to the security log; `request` gives the IP address and user agent."""
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        actor=actor if actor is not None and actor.is_authenticated else None,
        company_id=company_id,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else "",
        detail=detail,
    )


def user_token_create(*, user: User, name: str = "", request=None) -> tuple[AuthToken, str]:
    """A new login token; the secret is returned here only (the table keeps its digest)."""
    token, secret = AuthToken.objects.create(user=user, name=name[:100])
    security_event_record(kind=SecurityEvent.Kind.TOKEN_CREATED, user=user, actor=user, request=request, name=name)
    return token, secret


def user_token_get_or_create(*, user: User) -> str:
    """A token for `user`, for scripts and tests that act as a user. Secrets are not stored, so
    an earlier one cannot be got back: this issues a new one each call."""
    token, secret = AuthToken.objects.create(user=user, name="api")
    return secret


def user_tokens_revoke(*, user: User, actor: User | None = None, keep: AuthToken | None = None, request=None) -> int:
    """Revokes every token of the user but `keep` (logout-all, password change and reset, closing)."""
    tokens = AuthToken.objects.filter(user=user)
    if keep is not None:
        tokens = tokens.exclude(pk=keep.pk)
    count, _ = tokens.delete()
    if count:
        security_event_record(
            kind=SecurityEvent.Kind.TOKEN_REVOKED, user=user, actor=actor, request=request, count=count
        )
    return count


def user_token_revoke(*, token: AuthToken, actor: User, request=None) -> None:
    token.delete()
    security_event_record(
        kind=SecurityEvent.Kind.TOKEN_REVOKED, user=token.user, actor=actor, request=request, name=token.name
    )


def job_create(*, kind: str, owner: User | None, scope: dict, input_file=None) -> Job:
    job = Job(kind=kind, owner=owner, scope=scope)
    if input_file is not None:
        job.input_file.save(input_file.name, input_file, save=False)
    job.save()
    return job


@transaction.atomic
def job_start(*, job_id: int, total: int | None = None) -> Job | None:
    """Marks a queued job running; None when it was cancelled or already finished (a redelivered task)."""
    job = Job.objects.select_for_update().get(pk=job_id)
    if job.status != Job.Status.QUEUED:
        return None
    job.status = Job.Status.RUNNING
    job.started_at = timezone.now()
    job.total = total
    job.save(update_fields=["status", "started_at", "total"])
    return job


@transaction.atomic
def job_resume(*, job_id: int) -> Job | None:
    """For work that carries on where a dead worker left it (a redelivered task): a queued job
    starts, a running one is taken over as it is; None once it was cancelled or finished."""
    job = Job.objects.select_for_update().get(pk=job_id)
    if job.status == Job.Status.QUEUED:
        return job_start(job_id=job_id)
    return job if job.status == Job.Status.RUNNING else None


def job_record_progress(
    *, job: Job, processed: int, counts: dict, new_errors: list[dict], total: int | None = None
) -> bool:
    """Saves progress; returns False when the job was cancelled meanwhile, so the worker stops."""
    room = Job.MAX_ERRORS - len(job.errors)
    job.errors.extend(new_errors[: max(room, 0)])
    job.error_count += len(new_errors)
    job.processed, job.counts = processed, counts
    fields = {"processed": processed, "counts": counts, "errors": job.errors, "error_count": job.error_count}
    if total is not None:
        job.total = fields["total"] = total
    return bool(Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(**fields))


def job_outcome(*, error_count: int, succeeded: int) -> str:
    """The one rule: no errors is success; errors with some items through is a partial failure."""
    if error_count == 0:
        return Job.Status.SUCCEEDED
    return Job.Status.PARTIALLY_FAILED if succeeded else Job.Status.FAILED


def job_finish(*, job: Job, succeeded: int, message: str = "") -> Job:
    """succeeded: how many items went through; with errors the job is partially failed or failed."""
    status = job_outcome(error_count=job.error_count, succeeded=succeeded)
    Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
        status=status, finished_at=timezone.now(), message=message
    )
    job.refresh_from_db()
    return job


@transaction.atomic
def job_cancel(*, job: Job) -> Job:
    job = Job.objects.select_for_update().get(pk=job.pk)
    if job.status in Job.FINISHED:
        raise WrongState(f"The job is {job.status}; only a queued or running job can be cancelled.")
    job.status = Job.Status.CANCELLED
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    return job


def idempotency_keys_purge(*, older_than: timedelta = timedelta(hours=48)) -> int:
    """Keys are kept at least 24 hours (clients retry within that); older ones go."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


def exchange_rates_refresh(*, on: date | None = None) -> int:
    """Stores today's rates from the configured provider (USD based); running twice a day
    updates the day's rows rather than adding more."""
    provider = rate_provider()
    on = on or timezone.localdate()
    rates = provider.fetch()
    for currency, rate in rates.items():
        ExchangeRate.objects.update_or_create(
            base_currency="USD",
            quote_currency=currency,
            effective_date=on,
            defaults={"rate": rate, "source": provider.name},
        )
    return len(rates)
