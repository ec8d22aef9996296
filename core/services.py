from datetime import date, timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from core.errors import InvalidInput, WrongState
from core.models import ExchangeRate, IdempotencyKey, Job, User
from core.rates import rate_provider


@transaction.atomic
def user_register(*, email: str, password: str, full_name: str) -> User:
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email=email).exists():
        raise InvalidInput("A user with this email already exists.", attr="email")
    user = User(email=email, full_name=full_name)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput(
            "The password is too weak.",
            attr="password",
            reasons=[(e.code, m) for e, m in zip(error.error_list, error.messages, strict=True)],
        ) from None
    user.set_password(password)
    user.save()
    return user


def user_token_get_or_create(*, user: User) -> str:
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


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
