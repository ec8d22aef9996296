"""Query helpers shared by the apps."""

from django.db.models import F, Lookup


class AnyOf(Lookup):
    """`column = ANY(%s)`, the values bound as one array parameter: the same rows as `__in`, without
    preparing and binding one placeholder per value (which dominates a query over thousands of ids)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*params, list(self.rhs))


def any_of(column: str, values) -> AnyOf:
    """A filter expression: `Model.objects.filter(any_of("product_id", ids))`."""
    return AnyOf(F(column), list(values))
