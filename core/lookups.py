"""Query helpers shared by the apps."""

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
