"""Operators start a syndication run for a channel and watch it: by default the job goes to the
Celery workers and this command follows its progress; --inline runs the same batches in this
process (no worker needed). Either way the job shows in the API and the admin."""

import time

from django.core.management.base import BaseCommand, CommandError

from brands.models import Brand, Company
from core.errors import ApplicationError
from core.models import Job
from integrations.models import Channel, SyndicationJob
from integrations.services import syndication_job_run_inline, syndication_job_start


class ProgressBar:
    WIDTH = 30

    def __init__(self, out):
        self.out, self.started = out, time.monotonic()

    def update(self, job: Job) -> None:
        total = job.total or 0
        done = job.processed
        filled = self.WIDTH * min(done, total) // total if total else 0
        rate = done / max(time.monotonic() - self.started, 1e-9)
        counts = " ".join(f"{k}={v}" for k, v in job.counts.items() if v)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        percent = 100 * done // total if total else 0
        self.out.write(f"\r[{bar}] {percent:3d}%  {done}/{total or '?'}  {rate:.0f}/s  {counts}  ", ending="")
        self.out.flush()


class Command(BaseCommand):
    help = "Syndicates listings to an outside channel (incremental unless --full), with a progress bar."

    def add_arguments(self, parser):
        parser.add_argument("--channel", required=True, help="Channel code: kmall24, buykorea, amazon, ebay, tmall.")
        parser.add_argument("--brand", help="Only this brand's products (slug).")
        parser.add_argument("--company", type=int, help="Only this company's products (id).")
        parser.add_argument("--full", action="store_true", help="Resend every ready product, changed or not.")
        parser.add_argument("--inline", action="store_true", help="Run the batches here instead of on Celery.")
        parser.add_argument("--timeout", type=int, default=3600, help="Seconds to follow a queued job.")

    def handle(self, *args, channel, brand, company, full, inline, timeout, **options):
        target = Channel.objects.filter(code=channel).first()
        if target is None:
            raise CommandError(
                f"No channel {channel}; known: {', '.join(Channel.objects.values_list('code', flat=True))}."
            )
        brand_obj = Brand.objects.filter(slug=brand).first() if brand else None
        if brand and brand_obj is None:
            raise CommandError(f"No brand {brand}.")
        company_obj = Company.objects.filter(pk=company).first() if company else None
        if company and company_obj is None:
            raise CommandError(f"No company {company}.")
        mode = SyndicationJob.Mode.FULL if full else SyndicationJob.Mode.INCREMENTAL
        try:
            syndication = syndication_job_start(
                actor=None, channel=target, mode=mode, brand=brand_obj, company=company_obj, run=not inline
            )
        except ApplicationError as error:
            raise CommandError(error.detail) from None
        bar = ProgressBar(self.stdout)
        self.stdout.write(f"Job {syndication.job_id}: {mode} sync to {target.name}")
        if inline:
            syndication_job_run_inline(syndication=syndication, on_progress=bar.update)
        else:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                job = Job.objects.get(pk=syndication.job_id)
                bar.update(job)
                if job.status in Job.FINISHED:
                    break
                time.sleep(0.5)
        job = Job.objects.get(pk=syndication.job_id)
        bar.update(job)
        self.stdout.write("")
        self.stdout.write(f"Job {job.pk} {job.status}: {job.message or 'still running (follow it in the admin)'}")
