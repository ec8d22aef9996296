"""core.sql: plain SQL typed as the ORM types it, prepared on PostgreSQL once it runs often on a
connection (docs/decisions/0042); the ORM's own queries are never prepared."""

import pytest
from django.conf import settings
from django.db import connection

from core.models import Job
from core.sql import table, typed_rows

pytestmark = pytest.mark.django_db
JOB_FIELDS = (Job._meta.get_field("kind"), Job._meta.get_field("scope"))
JOB_SQL = f"SELECT kind, scope FROM {table(Job)} WHERE kind = %s ORDER BY id"  # noqa: S608


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


@pytest.mark.skipif(
    connection.vendor != "postgresql" or settings.DB_PREPARE_THRESHOLD is None,
    reason="prepared statements are PostgreSQL's, and DB_PREPARED_STATEMENTS=false turns them off",
)
def test_typed_rows_are_prepared_once_they_run_often_and_orm_queries_never_are():
    Job.objects.create(kind="export", scope={"company": 3})
    runs = [typed_rows(connection, JOB_SQL, ["export"], JOB_FIELDS) for _ in range(6)]
    for _ in range(6):
        list(Job.objects.filter(kind="export"))

    assert runs == [[("export", {"company": 3})]] * 6  # the JSON column decoded, as the ORM decodes it
    statements = prepared_statements()
    assert JOB_SQL.replace("%s", "$1") in statements
    assert not [statement for statement in statements if '"core_job"."kind"' in statement]
