"""Ids and integer filters: a value no row can have is a 400 naming the parameter.

A float (`-1.7e161`) or a number beyond bigint reached the database before: SQLite raised
OverflowError (a 500), PostgreSQL answered an empty page as if the filter matched nothing. So
path ids and integer filters are checked here, before any query, the same on both databases.
"""

import re
from functools import cache

from django.db import connection
from django.http import JsonResponse
from django_filters.utils import get_model_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

MAX_ID = 2**63 - 1
# Routes take anything that looks like a number where an id goes, so that `1.5`, `-1` or
# `1e400` reach PathIdMiddleware and get a 400 naming the parameter; other text stays a 404.
ID_PATTERN = r"[-+.0-9][-+.0-9eE]*"
ID_RULE = f"Must be a whole number from 1 to {MAX_ID}."


def integer_valid(raw: str, low: int, high: int) -> bool:
    # Length first: int() of a megabyte of digits is slow, and no column holds more than 20.
    return len(raw) <= 20 and re.fullmatch(r"-?[0-9]+", raw) is not None and low <= int(raw) <= high


def id_valid(raw: str) -> bool:
    return integer_valid(raw, 1, MAX_ID)


def integer_filters(filterset_class) -> dict[str, tuple[int, int, str]]:
    """{parameter: (low, high, rule)} for the filters on an integer column: ids (primary and
    foreign keys) from 1 to MAX_ID, other integers within their column's range."""
    model = filterset_class._meta.model
    found = {}
    for name, flt in filterset_class.base_filters.items():
        field = get_model_field(model, flt.field_name) if model is not None and not flt.method else None
        if field is None:
            continue
        target = field.target_field if field.is_relation and field.many_to_one else field
        internal = target.get_internal_type()
        if not internal.endswith(("IntegerField", "AutoField")):
            continue
        if target.primary_key:
            found[name] = (1, MAX_ID, ID_RULE)
        else:
            low, high = connection.ops.integer_field_range(internal)
            found[name] = (low, high, f"Must be a whole number from {low} to {high}.")
    return found


def integer_filters_check(query_params, filterset_class) -> None:
    errors = {
        name: [serializers.ErrorDetail(rule, code="invalid")]
        for name, (low, high, rule) in integer_filters(filterset_class).items()
        if any(not integer_valid(raw.strip(), low, high) for raw in query_params.getlist(name) if raw.strip())
    }
    if errors:
        raise ValidationError(errors)


@cache
def route_id_params(route: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\(\?P<(\w+)>" + re.escape(ID_PATTERN) + r"\)", route))


def schema_name(kwarg: str) -> str:
    return "id" if kwarg == "pk" else kwarg  # drf-spectacular documents `pk` as `id`


class PathIdMiddleware:
    """A path id that is no id (`0`, `-1`, `1.5`, beyond bigint) is a 400 naming the parameter,
    before the view runs and before any query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        bad = [
            schema_name(name)
            for name in route_id_params(request.resolver_match.route or "")
            if not id_valid(view_kwargs.get(name, ""))
        ]
        if not bad:
            return None
        errors = [{"code": "invalid", "detail": ID_RULE, "attr": name} for name in bad]
        return JsonResponse({"type": "validation_error", "errors": errors}, status=400)
