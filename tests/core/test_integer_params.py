"""Every path id and every integer filter refuses what no id can be with a 400 naming the
parameter, on PostgreSQL (this run) and on SQLite (the embedded default, in a subprocess).

Both lists are generated: path ids from the URL resolver (every route parameter written with
ID_PATTERN), integer filters from the filtersets of every list view in the URLconf, so a new
route or filter is covered with no change here."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import get_resolver
from django_filters.utils import get_model_field
from rest_framework.test import APIRequestFactory

from core.api.fields import ID_PATTERN
from core.api.query import FilterBackend
from tests.factories import OperatorFactory

# A float far outside any id (the outside fuzz's), beyond bigint, fractions, zero, negatives.
NO_IDS = ["-1.744950730858401e+161", "99999999999999999999", "9223372036854775808", "1.5", "0", "-1", "1e3"]


def _routes():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern

    return [(route, pattern) for route, pattern in walk(get_resolver().url_patterns) if route.startswith("api/v1/")]


ID_GROUP = re.compile(r"\(\?P<(\w+)>" + re.escape(ID_PATTERN) + r"\)")


def _path(route: str, values: dict) -> str:
    """The route's regex as a URL: id groups from `values` (else 1), other groups a sample."""
    path = ID_GROUP.sub(lambda m: values.get(m.group(1), "1"), route)
    path = re.sub(r"\(\?P<period>[^)]*\)", "2026-10", path)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "sample", path)
    return "/" + path.replace("^", "").replace("$", "")


PATH_IDS = sorted({(route, name) for route, _ in _routes() for name in ID_GROUP.findall(route)})


def test_the_path_id_list_is_not_empty():
    assert len(PATH_IDS) > 50, PATH_IDS


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "name"), PATH_IDS, ids=[f"{r}:{n}" for r, n in PATH_IDS])
def test_a_path_id_that_no_id_can_be_is_a_400_naming_it(api, route, name):
    api.as_user(OperatorFactory())
    for value in NO_IDS:
        response = api.get(_path(route, {name: value}))
        assert response.status_code == 400, (value, response.status_code, response.content[:300])
        error = response.json()["errors"][0]
        assert (error["attr"], error["code"]) == ("id" if name == "pk" else name, "invalid"), error


def _integer_filters(user):
    """(url, parameter) for every filter on an integer column of every list view's filterset."""
    request = APIRequestFactory().get("/")
    request.user = user
    found = set()
    for route, pattern in _routes():
        view_class = getattr(pattern.callback, "cls", None)
        actions = getattr(pattern.callback, "actions", None) or {}
        if view_class is None or actions.get("get") != "list":
            continue
        view = view_class(**pattern.callback.initkwargs)
        view.action, view.request, view.kwargs, view.format_kwarg = "list", request, {}, None
        backend = FilterBackend()
        queryset = view_class.queryset if view_class.queryset is not None else None
        if queryset is None:
            filterset_class = getattr(view, "filterset_class", None)
            queryset = filterset_class._meta.model.objects.none() if filterset_class else None
        if queryset is None and getattr(view, "filterset_fields", None):
            queryset = view.get_queryset()
        if queryset is None:
            continue
        filterset_class = backend.get_filterset_class(view, queryset)
        for name, flt in (filterset_class.base_filters if filterset_class else {}).items():
            field = get_model_field(filterset_class._meta.model, flt.field_name)
            target = field.target_field if field is not None and field.many_to_one else field
            if target is not None and target.get_internal_type().endswith(("IntegerField", "AutoField")):
                found.add((_path(route, {}), name))
    return sorted(found)


@pytest.mark.django_db
def test_every_integer_filter_refuses_what_no_id_can_be(api, operator):
    filters = _integer_filters(operator)
    # channel-listings?product= (the outside fuzz's), inbound shipments' company and warehouse, ...
    assert ("/api/v1/channel-listings/", "product") in filters, filters
    assert len(filters) >= 8, filters
    api.as_user(operator)
    wrong = []
    for url, name in filters:
        for value in NO_IDS:
            response = api.get(url, {name: value, "page": 2})
            errors = response.json().get("errors", []) if response.status_code == 400 else []
            if not any(e["attr"] == name for e in errors):
                wrong.append((url, name, value, response.status_code, response.content[:200]))
        # A possible id passes this check (a foreign key's filter may still refuse one no row has).
        possible = api.get(url, {name: "1"})
        assert possible.status_code == 200 or possible.json()["errors"][0]["code"] == "invalid_choice", (url, name)
    assert not wrong, wrong


def test_the_same_holds_on_sqlite(tmp_path):
    """The embedded default: the filters' test in a fresh process on SQLite, where the outside
    fuzz's float was an OverflowError (a 500) rather than PostgreSQL's empty page. (Path ids are
    refused by core.api.ids' middleware before any query, so the database cannot change them.)"""
    env = os.environ | {"TEST_DATABASE_URL": "sqlite://"}
    run = subprocess.run(  # noqa: S603 - our own test module, in our own interpreter
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "-n",
            "0",
            "-p",
            "no:cacheprovider",
            __file__,
            "-k",
            "integer_filter",
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert re.search(r"\b1 passed", run.stdout), run.stdout[-2000:]
