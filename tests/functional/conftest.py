"""Full workflows in one process: engine, executor and notifier on the
``fake:/`` transport, a fresh SQLite database per test, and a bounded wait
for states (no bare sleeps)."""

import pytest

from mistral_clone import context as mc_context
from tests import shared_services
from tests.waiting import wait_for

# Still importable from here, where the policy tests look for it.
__all__ = ["wait_for"]


@pytest.fixture
def _running_services():
    """Engine and executor servers, shared by the tests of this worker
    that run one after the other (tests/shared_services.py): they keep no
    state of their own, each test brings its own database."""
    shared_services.ensure_running()
    yield


@pytest.fixture(scope="session", autouse=True)
def _shared_services_stopped_at_the_end():
    yield
    shared_services.stop()


@pytest.fixture
def services(db, conf, _running_services):
    """The notifier runs per test: it looks for the events of the test's
    database and retries failed ones, which must not outlive it."""
    from mistral_clone.notifier import service as notifier_service
    notifier = notifier_service.start()
    yield
    notifier.stop()


@pytest.fixture
def ctx():
    return mc_context.RequestContext()


@pytest.fixture
def engine(services):
    from mistral_clone.rpc import clients
    return clients.get_engine_client()


@pytest.fixture
def create_workflows(db, ctx):
    from mistral_clone.services import workflows
    return lambda text, namespace="": workflows.create_workflows(
        ctx, text, namespace=namespace)


