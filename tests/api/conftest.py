"""The WSGI app under webtest, on a fresh database, with the system actions
registered."""

import pytest
import webtest

from mistral_clone.api import app as api_app


@pytest.fixture
def app(db, conf):
    try:
        from mistral_clone.services import system_actions
        system_actions.register()
    except ImportError:
        pass
    return webtest.TestApp(api_app.setup_app(conf))


@pytest.fixture
def admin_headers():
    return {"X-Roles": "admin"}
