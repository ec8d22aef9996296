import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests import factories


@pytest.fixture(autouse=True)
def _clean_cache():
    # Throttle counters and cached reads must not leak from one test into the next.
    cache.clear()
    yield


@pytest.fixture
def api():
    """An anonymous API client; `api.as_user(user)` authenticates it with a bearer token."""

    class Client(APIClient):
        def as_user(self, user):
            from core.services import user_token_get_or_create

            self.credentials(HTTP_AUTHORIZATION=f"Bearer {user_token_get_or_create(user=user)}")
            return self

    return Client()


@pytest.fixture
def operator(db):
    return factories.OperatorFactory()


@pytest.fixture
def user(db):
    return factories.UserFactory()
