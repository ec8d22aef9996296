"""The stored-as-sent check of tests/test_fuzz.py on a valid body for every create and update of
the permission matrix: generated bodies are mostly refused, so the fuzz alone reads back few
writes. Its own module, so it gets a world of its own: run in tests/test_fuzz.py after the fuzz,
every token of the module's world was refused (not yet understood; the fuzz ends by closing
accounts)."""

import pytest
from django.urls import Resolver404, resolve

from tests.test_fuzz import READ_IN_ANOTHER_FORM, value_differences
from tests.test_permissions import CASES, world, world_base  # noqa: F401 - fixtures

# Writes whose object has no route to read it back from, or reads it in another form, and why.
NOT_READ_BACK = {
    "platform-api-key-list": "no detail route: keys are listed, and the secret is shown once",
    "buyer-profile-list": "no detail route: the buyer company's profile is read in buyer-directory/",
}

# The stored-as-sent check on a valid body for every create and update of the permission matrix
# (generated bodies are mostly refused, so the fuzz alone reads back few writes).
MATRIX_WRITES = [
    (case, next(role for role, status in case.expect.items() if 200 <= status < 300))
    for case in CASES
    if case.body
    and not case.fmt
    and ((case.method == "post" and case.name.endswith("-list")) or case.method in ("put", "patch"))
    and any(200 <= status < 300 for status in case.expect.values())
    and case.name not in NOT_READ_BACK
]


def matrix_read_back_path(case, path, answer) -> str:
    """A create is read at its detail route (by id, or by slug for brands), an update where it was sent."""
    if case.method != "post":
        return path
    for key, kwarg in (("id", "pk"), ("slug", "slug")):
        candidate = f"{path}{answer.get(key)}/"
        try:
            match = resolve(candidate)
        except Resolver404:
            continue
        if kwarg in match.kwargs and (getattr(match.func, "actions", None) or {}).get("get"):
            return candidate
    raise AssertionError(f"{case.name}: no detail route to read {answer} back from")


@pytest.mark.parametrize(("case", "role"), MATRIX_WRITES, ids=[f"{c.method}-{c.name}" for c, _ in MATRIX_WRITES])
def test_each_create_and_update_of_the_matrix_reads_back_as_sent(api, world, case, role):  # noqa: F811 - a fixture
    if world.users[role]:
        api.as_user(world.users[role])
    body, path = case.body(world, role), case.path(world)
    response = getattr(api, case.method)(path, body, format="json")
    assert 200 <= response.status_code < 300, response.content
    stored = api.get(matrix_read_back_path(case, path, response.json()))
    assert stored.status_code == 200, stored.content
    sent = {k: v for k, v in body.items() if k != READ_IN_ANOTHER_FORM.get(path)}
    assert list(value_differences(sent, stored.json(), "")) == []
