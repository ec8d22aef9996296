"""Operators import a product CSV (docs/csv-format.md) into a company, synchronously, with a
progress bar. The work is the same products_import the Celery task runs, on a job of its own
that shows up in the API and the admin like any other."""

import time
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from brands.models import Company
from core.errors import ApplicationError
from core.models import User
from core.permissions import OPERATORS_GROUP
from listings.imports import products_import, products_import_job_create


class ProgressBar:
    """`[#####-----]  50%  5000/10000 rows  812 rows/s`, redrawn in place with a carriage return."""

    WIDTH = 30

    def __init__(self, out, total: int | None):
        self.out, self.total, self.started = out, total, time.monotonic()

    def update(self, done: int, total: int | None = None) -> None:
        total = total or self.total or done or 1
        filled = self.WIDTH * min(done, total) // total
        rate = done / max(time.monotonic() - self.started, 1e-9)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.out.write(f"\r[{bar}] {100 * done // total:3d}%  {done}/{total} rows  {rate:.0f} rows/s", ending="")
        self.out.flush()

    def finish(self) -> None:
        self.out.write("")


class Command(BaseCommand):
    help = "Imports products from a CSV file (docs/csv-format.md) into a company, showing progress."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The CSV file, UTF-8, one row per variant.")
        parser.add_argument("--company", type=int, required=True, help="Id of the company the products belong to.")
        parser.add_argument(
            "--user", help="Email of the operator or company editor to act as; default: the first superuser/operator."
        )

    def handle(self, *args, file: Path, company: int, user: str | None, **options):
        target = Company.objects.filter(pk=company).first()
        if target is None:
            raise CommandError(f"No company has id {company}.")
        actor = self._actor(user)
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        with file.open("rb") as handle:
            try:
                # Operators are not held to the API's row limit.
                job = products_import_job_create(
                    actor=actor, company=target, file=File(handle, name=file.name), max_rows=None
                )
            except ApplicationError as error:
                reasons = "".join(f"\n  {message}" for _, message in error.reasons)
                raise CommandError(f"{error.detail}{reasons}") from None
        self.stdout.write(f"Job {job.pk}: importing {job.scope['rows']} rows into {target} as {actor}.")
        bar = ProgressBar(self.stdout, job.scope["rows"])
        job = products_import(job_id=job.pk, on_progress=bar.update)
        bar.finish()
        self.stdout.write(f"{job.status}: {job.message}")
        for error in job.errors[:20]:
            self.stdout.write(f"  row {error['row']}, {error['column'] or '-'}: {error['message']}")
        if job.error_count > 20:
            self.stdout.write(f"  ... {job.error_count - 20} more; see job {job.pk} in the admin or the API.")

    def _actor(self, email: str | None) -> User:
        if email:
            actor = User.objects.filter(email=email.lower(), is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user has the email {email}.")
            return actor
        actor = (
            User.objects.filter(is_active=True, is_superuser=True).order_by("pk").first()
            or User.objects.filter(is_active=True, is_staff=True, groups__name=OPERATORS_GROUP).order_by("pk").first()
        )
        if actor is None:
            raise CommandError(f"No superuser or member of the '{OPERATORS_GROUP}' group exists; pass --user.")
        return actor
