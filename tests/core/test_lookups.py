"""any_of: one array parameter on PostgreSQL, a plain IN list elsewhere (SQLite, the embedded
default that `make run` uses), the same rows either way."""

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper

from core.lookups import any_of
from core.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_any_of_binds_one_array_on_postgresql_and_an_in_list_on_sqlite():
    users = [UserFactory() for _ in range(3)]
    wanted = [users[2].pk, users[0].pk]
    query = User.objects.filter(any_of("pk", wanted)).order_by("pk")
    assert list(query) == sorted([users[0], users[2]], key=lambda u: u.pk)
    assert list(User.objects.filter(any_of("pk", []))) == []

    sql, params = query.query.get_compiler(connection=connection).as_sql()
    assert "= ANY(%s)" in sql and list(wanted) in [list(p) for p in params if isinstance(p, list)]
    sqlite = SQLiteWrapper({"NAME": ":memory:", "TIME_ZONE": None, "OPTIONS": {}}, alias="sqlite-compile-only")
    sql, params = query.query.get_compiler(connection=sqlite).as_sql()
    assert " IN (%s, %s)" in sql and "ANY" not in sql and sorted(params) == sorted(wanted)
