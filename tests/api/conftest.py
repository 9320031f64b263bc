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


def post_text(app, url, text, status="*", headers=None):
    hdrs = {"Content-Type": "text/plain"}
    hdrs.update(headers or {})
    return app.post(url, text, headers=hdrs, status=status)


def put_text(app, url, text, status="*", headers=None):
    hdrs = {"Content-Type": "text/plain"}
    hdrs.update(headers or {})
    return app.put(url, text, headers=hdrs, status=status)
