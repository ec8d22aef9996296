"""Plain SQL for hot reads (docs/decisions/0036, 0038): where the ORM's compiling of a query
costs more than the database's work, the query is written as SQL with the models' table names and
its rows converted as the ORM would convert them.

On PostgreSQL with psycopg 3 these reads bind their parameters on the server, so psycopg prepares
a statement once it has run `prepare_threshold` times on a connection (DATABASES OPTIONS;
docs/decisions/0042): PostgreSQL then skips parsing and planning it, which was most of its work
for these one-row lookups. The ORM's own cursors bind on the client and are never prepared."""

from django.db.models import Field, Model


def table(model: type[Model]) -> str:
    return model._meta.db_table


def typed_rows(connection, sql: str, params: list, fields: tuple[Field, ...]) -> list[tuple]:
    """The rows of `sql` on `connection`, each column through the converters the ORM applies to
    the model field it comes from (`fields`, one per column): JSON decoded on every backend;
    decimals, dates and timestamps parsed on SQLite."""
    with binding_cursor(connection) as cursor:
        cursor.execute(sql, params)
        return _typed(connection, cursor.fetchall(), fields)


def binding_cursor(connection):
    """A cursor binding on the server where statements are prepared (PostgreSQL, psycopg 3, a
    prepare_threshold set), else Django's own. Its SQL must let PostgreSQL infer each parameter's
    type (a bare `%s IS NULL` does not)."""
    if connection.vendor != "postgresql" or connection.settings_dict["OPTIONS"].get("prepare_threshold") is None:
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    cursor = ServerBindingCursor(connection.connection)
    # Wrapped as connection.cursor() wraps its own: logged where queries are (DEBUG, tests), and
    # its errors raised as Django's.
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)


def _typed(connection, rows: list[tuple], fields: tuple[Field, ...]) -> list[tuple]:
    converters = _converters(connection, fields)
    if not converters:
        return rows
    typed = []
    for row in rows:
        values = list(row)
        for position, found, column in converters:
            for convert in found:
                values[position] = convert(values[position], column, connection)
        typed.append(tuple(values))
    return typed


def columns(model: type[Model], alias: str) -> str:
    """Every column of the model over the table alias, in the order `instance` reads them."""
    return ", ".join(f"{alias}.{field.column}" for field in model._meta.concrete_fields)


def instance(model: type[Model], connection, values) -> Model:
    """The model instance the ORM would build from the values of `columns` (typed_rows' values,
    with `model._meta.concrete_fields` as their fields), as read from the connection's database."""
    return model.from_db(connection.alias, [field.attname for field in model._meta.concrete_fields], values)


# The converters depend only on the database's backend and the columns' fields, and looking them
# up cost more than converting a page's rows: found once per database and column list.
_CONVERTERS: dict[tuple[str, tuple[Field, ...]], list[tuple]] = {}


def _converters(connection, fields: tuple[Field, ...]) -> list[tuple]:
    """The converters of each column that has any, as (position, converters, column)."""
    key = (connection.alias, fields)
    found = _CONVERTERS.get(key)
    if found is None:
        found = _CONVERTERS[key] = []
        for position, field in enumerate(fields):
            column = field.get_col(table(field.model))
            if converters := connection.ops.get_db_converters(column) + column.get_db_converters(connection):
                found.append((position, converters, column))
    return found
