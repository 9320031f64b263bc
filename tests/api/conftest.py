"""The WSGI app under webtest, on a fresh database, with the system actions
registered; a recording stand-in for the engine's RPC client."""

import pytest
import webtest

from mistral_clone.api import app as api_app
from mistral_clone.rpc import clients
from mistral_clone.services import system_actions
from tests.api.runtime_rows import FakeEngine


@pytest.fixture
def app(db, conf):
    system_actions.register()
    return webtest.TestApp(api_app.setup_app(conf))


@pytest.fixture
def admin_headers():
    return {"X-Roles": "admin"}


@pytest.fixture
def engine(monkeypatch):
    """Engine calls the API makes are recorded instead of sent."""
    fake = FakeEngine()
    monkeypatch.setattr(clients, "get_engine_client",
                        lambda reply_timeout=None: fake)
    return fake
