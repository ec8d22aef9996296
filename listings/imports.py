"""Bulk import and export of products as CSV (the format: listings.csv_format, docs/csv-format.md).

An import is a core Job. products_import_start (the API's door) checks the caller and the file,
stores the file on a new job and queues products_import_task after commit; products_import
reads the stored file record by record, a batch of rows at a time: each product's rows are
parsed and checked in memory (listings.csv_payload), then the batch's valid products are written
by listings.services.products_create_bulk, one statement per table (docs/decisions/0020). It records
progress, counts and per-row errors on the job. Memory holds one batch's rows and errors and a
hash per product key seen, whatever the file's size.

Transactions: one per batch of BATCH_ROWS rows (rounded up to a whole product, fewer when the
text is long), with the batch's progress saved in it, so the job's counts always match what is
committed, and a cancellation is noticed per batch. A product is all or nothing: a bad one is
left out of the write, and should the database refuse the batch's write, the batch is written
again product by product through product_create, each in its own savepoint."""

import csv
import io
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DataError, IntegrityError, transaction

from brands.models import Company, CompanyStaff, MandateScope
from brands.selectors import user_company_ids, user_has_company_role
from core.errors import InvalidInput, NotPermitted
from core.models import Job, User
from core.outages import broker_require
from core.permissions import is_operator
from core.services import job_create, job_finish, job_record_progress, job_start
from listings import csv_format, csv_payload
from listings.selectors import product_list
from listings.services import product_create, products_create_bulk

logger = logging.getLogger(__name__)

JOB_KIND = "product_import"
BATCH_ROWS = 500
BATCH_CHARS = 128 * 1024  # of cell text: a batch of long descriptions stays small in memory
EXPORT_CHUNK = 200
ENCODING = "utf-8-sig"  # UTF-8, with or without the byte-order mark Excel writes
Progress = Callable[[int, int | None], None]


def import_max_rows() -> int:
    return settings.IMPORT_MAX_ROWS


def import_max_bytes() -> int:
    return settings.IMPORT_MAX_BYTES


def _may_import(actor: User | None, company: Company) -> bool:
    return actor is not None and (
        is_operator(actor)
        or user_has_company_role(actor, company.pk, CompanyStaff.Role.EDITOR, scope=MandateScope.LISTINGS)
    )


@contextmanager
def _records(binary) -> Iterator[Iterator[list[str]]]:
    """csv.reader over a text wrapper of a binary file, so the file is read a buffer at a time."""
    text = io.TextIOWrapper(getattr(binary, "file", binary), encoding=ENCODING, newline="")
    try:
        yield csv.reader(text)
    finally:
        text.detach()  # the file stays open for its owner to close


def products_csv_check(*, binary_file, max_rows: int | None) -> int:
    """Reads the file once, streaming: its number of data rows. InvalidInput when it is not a
    UTF-8 CSV with the format's header, or has more than max_rows rows."""
    try:
        with _records(binary_file) as records:
            rows = csv_format.data_row_count(records)
    except csv_format.FileFormatError as error:
        reasons = [("invalid_header", f"Row {e['row']}, {e['column']}: {e['message']}") for e in error.errors]
        raise InvalidInput("The file is not in the product CSV format.", attr="file", reasons=reasons) from None
    except UnicodeDecodeError:
        raise InvalidInput("The file is not UTF-8 text; save it as 'CSV UTF-8'.", attr="file") from None
    except csv.Error as error:
        raise InvalidInput(f"The file is not a readable CSV ({error}).", attr="file") from None
    if max_rows is not None and rows > max_rows:
        raise InvalidInput(f"The file has {rows} rows; an import takes at most {max_rows}. Split it.", attr="file")
    if rows == 0:
        raise InvalidInput("The file has a header but no rows.", attr="file")
    return rows


def products_import_job_create(*, actor: User, company: Company, file, max_rows: int | None) -> Job:
    """Checks the actor and the file and stores the file on a new queued import job."""
    if not _may_import(actor, company):
        raise NotPermitted("Only the company's owners and editors, or an operator, import its products.")
    rows = products_csv_check(binary_file=file, max_rows=max_rows)
    file.seek(0)
    return job_create(kind=JOB_KIND, owner=actor, scope={"company": company.pk, "rows": rows}, input_file=file)


def products_import_start(*, actor: User, company: Company, uploaded_file) -> Job:
    """The API's door: an import job within the size and row limits, queued after commit."""
    if not _may_import(actor, company):
        raise NotPermitted("Only the company's owners and editors, or an operator, import its products.")
    if uploaded_file.size > import_max_bytes():
        raise InvalidInput(f"The file is larger than {import_max_bytes()} bytes; split it.", attr="file")
    broker_require()  # a 503 before anything is written, not a queued job no worker will see
    job = products_import_job_create(actor=actor, company=company, file=uploaded_file, max_rows=import_max_rows())
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from listings.tasks import products_import_task  # the task module imports this one

    products_import_task.delay(job_id)


def products_import(*, job_id: int, on_progress: Progress | None = None) -> Job | None:
    """Runs a queued import job to its end; None when it is not queued (cancelled meanwhile, or
    a redelivered task whose job already ran)."""
    scope = Job.objects.filter(pk=job_id).values_list("scope", flat=True).first()
    if scope is None:
        return None
    job = job_start(job_id=job_id, total=scope.get("rows"))
    if job is None:
        return None
    run = _ImportRun(job, on_progress)
    try:
        run.run()
    except Exception as error:
        # Whatever broke (a bug, the database, a time limit), the job ends failed with what was
        # committed before; the worker then logs the exception.
        run.fail(f"The import stopped unexpectedly ({type(error).__name__}); later rows were not imported.")
        job_finish(job=job, succeeded=run.committed["products_created"], message=run.summary())
        raise
    return job_finish(job=job, succeeded=run.counts["products_created"], message=run.summary())


class _ImportRun:
    def __init__(self, job: Job, on_progress: Progress | None):
        self.job, self.on_progress = job, on_progress
        self.counts = {"products_created": 0, "products_failed": 0, "rows": 0}
        self.committed = dict(self.counts)
        self.pending: list[dict] = []  # errors of the current batch
        self.lookups = csv_payload.Lookups()
        self.slug_resume: dict[str, int] = {}  # products_create_bulk's, across the batches
        self.last_row = 1
        self.stopped = ""

    def run(self) -> None:
        company = Company.objects.filter(pk=self.job.scope.get("company")).first()
        actor = self.job.owner
        if company is None or not _may_import(actor, company):
            self.fail("The job's owner may not import into this company (any more).")
            return
        name = self.job.input_file.name
        with self.job.input_file.storage.open(name, "rb") as binary, _records(binary) as records:
            groups = csv_format.product_groups(records)
            while self._batch(groups, records, actor, company):
                pass

    def _batch(self, groups: Iterator[csv_format.Group], records, actor: User, company: Company) -> bool:
        """One transaction of about BATCH_ROWS rows (fewer when their text passes BATCH_CHARS);
        False when the file or the job has ended."""
        more, start, chars = True, self.counts["rows"], 0
        chunk: list[tuple[csv_format.Group, csv_payload.Parsed]] = []
        while self.counts["rows"] - start < BATCH_ROWS and chars < BATCH_CHARS:
            group = self._next(groups, records)
            if group is None:
                more = False
                break
            self.counts["rows"] += group.row_count
            self.last_row = group.rows[-1][0] + group.dropped
            chars += group.chars
            chunk.append((group, csv_payload.group_payload(group, self.lookups)))
        with transaction.atomic():
            self._write(chunk, actor, company)
            if not self._record():
                # Cancelled meanwhile: this batch is undone, so the products match the saved counts.
                transaction.set_rollback(True)
                self.counts = dict(self.committed)
                self.stopped = "Cancelled."
                more = False
        self.committed = dict(self.counts)
        if self.on_progress is not None:
            self.on_progress(self.counts["rows"], self.job.total)
        return more

    def _next(self, groups: Iterator[csv_format.Group], records) -> csv_format.Group | None:
        try:
            return next(groups, None)
        except csv_format.FileFormatError as error:
            self.pending.extend(error.errors)
            self.stopped = "The file's header is not the product CSV format; nothing was imported."
        except (UnicodeDecodeError, csv.Error) as error:
            reason = "is not UTF-8 text" if isinstance(error, UnicodeDecodeError) else f"is not readable CSV ({error})"
            message = f"The file {reason} near line {records.line_num}; the rows from here on were not imported."
            self.pending.append(csv_format.problem(self.last_row + 1, "", message))
            self.stopped = message
        return None

    def _write(self, chunk: list[tuple[csv_format.Group, csv_payload.Parsed]], actor: User, company: Company) -> None:
        """The chunk's valid products in one bulk write; if the database refuses it (a SKU taken
        by a concurrent writer), the chunk again product by product, each in its savepoint."""
        valid = [(group, parsed) for group, parsed in chunk if parsed.payload is not None]
        try:
            with transaction.atomic():  # the bulk write's savepoint
                created = products_create_bulk(
                    actor=actor,
                    company=company,
                    payloads=[parsed.payload for _, parsed in valid],
                    slug_resume=self.slug_resume,
                )
        except (IntegrityError, DataError):
            created = [self._one(group, parsed, actor, company) for group, parsed in valid]
        outcomes = iter(created)
        for group, parsed in chunk:  # the errors in the file's order
            outcome = next(outcomes) if parsed.payload is not None else None
            if isinstance(outcome, int):  # the new product's id
                self.counts["products_created"] += 1
                continue
            self.counts["products_failed"] += 1
            if outcome is None:
                self.pending.extend(parsed.errors)
            elif isinstance(outcome, list):
                self.pending.extend(outcome)
            else:
                error = InvalidInput("The product has invalid fields.", fields=dict(outcome))
                self.pending.extend(csv_payload.service_errors(group, parsed, error))

    @staticmethod
    def _one(group: csv_format.Group, parsed: csv_payload.Parsed, actor: User, company: Company) -> int | list:
        """One product through product_create in its savepoint: its id, or its row errors."""
        try:
            with transaction.atomic():
                return product_create(actor=actor, company=company, **parsed.payload).pk
        except InvalidInput as error:
            return csv_payload.service_errors(group, parsed, error)
        except (IntegrityError, DataError) as error:
            message = f"The database refused the product: {str(error).splitlines()[0]}"
            return [csv_format.problem(group.first_row, "", message, group.key)]

    def _record(self) -> bool:
        errors, self.pending = self.pending, []
        return job_record_progress(
            job=self.job, processed=self.counts["rows"], counts=dict(self.counts), new_errors=errors
        )

    def fail(self, message: str) -> None:
        """Ends the import early: the counts go back to what is committed, with one error saying why."""
        self.counts = dict(self.committed)
        self.pending = [csv_format.problem(self.last_row, "", message)]
        self.stopped = message
        self._record()

    def summary(self) -> str:
        c = self.counts
        text = f"{c['products_created']} products created, {c['products_failed']} failed, from {c['rows']} rows."
        return f"{text} {self.stopped}" if self.stopped else text


# --- export -------------------------------------------------------------------------------


class _Echo:
    """A file-like csv.writer target that hands each written line back."""

    def write(self, line: str) -> str:
        return line


def products_export(*, user: User, company: Company | None = None) -> Iterator[str]:
    """The user's products (of `company`, or of every company they are staff of; operators:
    every product) as CSV text in the import's columns, streamed a product at a time from a
    chunked query so memory stays flat. A company the user is not staff of is refused here,
    before the first line."""
    products = product_list(user=user)
    if company is not None:
        if not (is_operator(user) or company.pk in user_company_ids(user, scope=MandateScope.LISTINGS)):
            raise NotPermitted("Only the company's staff export its products.")
        products = products.filter(company=company)
    elif not is_operator(user):
        products = products.filter(company_id__in=user_company_ids(user, scope=MandateScope.LISTINGS))
    return _csv_lines(products)


def _csv_lines(products) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # The byte-order mark makes Excel read the file as UTF-8; the import accepts it.
    yield "\ufeff" + writer.writerow(csv_format.columns())
    for product in products.iterator(chunk_size=EXPORT_CHUNK):
        yield "".join(writer.writerow(row) for row in csv_format.product_rows(product))
