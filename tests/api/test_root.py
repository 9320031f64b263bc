"""``GET /`` and ``GET /v2`` as Mistral 23 answers them."""


def test_version_document(app):
    body = app.get("/").json
    assert body == {"versions": [{
        "id": "v2.0", "status": "CURRENT",
        "links": [{"href": "http://localhost/v2", "target": "v2",
                   "rel": "self"}]}]}


def test_v2_root(app):
    assert app.get("/v2").json == {"uri": "http://localhost/v2"}
    assert app.get("/v2/").json == {"uri": "http://localhost/v2"}


def test_unknown_path_is_404(app):
    app.get("/v2/nothing_here", status=404)
