"""Helpers for API tests: definitions are sent as text/plain."""

def post_text(app, url, text, status="*", headers=None):
    hdrs = {"Content-Type": "text/plain"}
    hdrs.update(headers or {})
    return app.post(url, text, headers=hdrs, status=status)


def put_text(app, url, text, status="*", headers=None):
    hdrs = {"Content-Type": "text/plain"}
    hdrs.update(headers or {})
    return app.put(url, text, headers=hdrs, status=status)


def fault(resp) -> str:
    """The message of Mistral's error body."""
    return resp.json["faultstring"]
