"""Plain SQL for hot reads (docs/decisions/0036, 0038): where the ORM's compiling of a query
costs more than the database's work, the query is written as SQL with the models' table names and
its rows converted as the ORM would convert them."""

from django.db.models import Field, Model


def table(model: type[Model]) -> str:
    return model._meta.db_table


def typed_rows(connection, sql: str, params: list, fields: tuple[Field, ...]) -> list[tuple]:
    """The rows of `sql` on `connection`, each column through the converters the ORM applies to
    the model field it comes from (`fields`, one per column): JSON decoded on every backend;
    decimals, dates and timestamps parsed on SQLite."""
    converters = []
    for position, field in enumerate(fields):
        column = field.get_col(table(field.model))
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((position, found, column))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
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
