import pytest
from celery import current_app


@pytest.fixture
def eager():
    """Tasks run in this process as they are queued (the outbox dispatch, each attempt)."""
    conf = current_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    yield
    conf.task_always_eager, conf.task_eager_propagates = saved
