"""Query helpers shared by the apps."""

from django.db import connection
from django.db.models import F
from django.db.models.lookups import In


class AnyOf(In):
    """`column IN (...)`, and on PostgreSQL `column = ANY(%s)` with the values bound as one array
    parameter: the same rows, without preparing and binding one placeholder per value (which
    dominates a query over thousands of ids). SQLite, the embedded default, keeps the IN list."""

    lookup_name = "any_of"

    def as_postgresql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*params, list(self.rhs))


def any_of(column: str, values) -> AnyOf:
    """A filter expression: `Model.objects.filter(any_of("product_id", ids))`."""
    return AnyOf(F(column), list(values))


UPDATE_CHUNK = 1000


def rows_update(objs: list, fields: list[str]) -> None:
    """`Model.objects.bulk_update(objs, fields)` as one `UPDATE ... FROM unnest(...)` per
    UPDATE_CHUNK rows on PostgreSQL: bulk_update builds a CASE WHEN per row and field, and
    compiling those grows as rows x fields (most of a syndication batch's time at 500 listings);
    one array per column binds as many parameters as there are columns, whatever the rows (a
    VALUES list binds rows x columns, each quoted in Python).
    Like bulk_update, it writes the instances' current values (auto_now fields are not bumped).
    SQLite, the embedded default, keeps bulk_update."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objs, fields)
        return
    qn = connection.ops.quote_name
    table, pk = qn(model._meta.db_table), model._meta.pk
    columns = [pk, *(model._meta.get_field(name) for name in fields)]
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in columns)
    names = ", ".join(qn(field.column) for field in columns)
    sets = ", ".join(f"{qn(field.column)} = v.{qn(field.column)}" for field in columns[1:])
    for start in range(0, len(objs), UPDATE_CHUNK):
        chunk = objs[start : start + UPDATE_CHUNK]
        params = [
            [field.get_db_prep_save(getattr(obj, field.attname), connection) for obj in chunk] for field in columns
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {sets} FROM unnest({arrays}) AS v({names}) "  # noqa: S608 - our names
                f"WHERE {table}.{qn(pk.column)} = v.{qn(pk.column)}",
                params,
            )
