"""``GET /`` and ``GET /v2`` as Mistral 23 answers them."""

import pytest


def test_version_document(app):
    body = app.get("/").json
    assert body == {"versions": [{
        "id": "v2.0", "status": "CURRENT",
        "links": [{"href": "http://localhost/v2", "target": "v2",
                   "rel": "self"}]}]}


def test_v2_root(app):
    assert app.get("/v2/").json == {"uri": "http://localhost/v2"}


@pytest.mark.parametrize("method", ["get", "head", "put", "delete"])
def test_v2_without_its_slash_is_redirected(app, method):
    resp = getattr(app, method)("/v2", status=302)
    assert resp.headers["Location"] == "http://localhost/v2/"
    resp = getattr(app, method)("/v2?a=1", status=302)
    assert resp.headers["Location"] == "http://localhost/v2/?a=1"


def test_v2_post_without_its_slash_answers_as_v2_root(app):
    """Mistral answers 500 here (pecan cannot redirect a POST)."""
    assert app.post("/v2").json == {"uri": "http://localhost/v2"}


def test_unknown_path_is_404(app):
    app.get("/v2/nothing_here", status=404)


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_unknown_path_is_404_whatever_the_method(app, method):
    # As Mistral 23 (pecan's RestController would answer 405), e.g. a PUT
    # /v2/maintenance: maintenance is at /maintenance.
    for path in ("/nothing_here", "/nothing/here", "/v2/nothing_here",
                 "/v2/nothing/here", "/v2/maintenance", "/v2/info"):
        answer = getattr(app, method)(path, status=404)
        assert answer.json["faultstring"] == "Not Found"
    # A resource keeps its own answer.
    app.delete("/v2/workflows", status=400)
