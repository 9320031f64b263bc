"""``/v2`` without its slash: redirected to ``/v2/``, as Mistral 23 does.

Mistral's pecan app requires canonical URLs for index pages, so ``GET /v2``
(and HEAD, PUT, DELETE) answers ``302 Found`` with ``Location: .../v2/``
(query string kept) and webob's HTML page. A POST there fails in pecan
(500); here it is left to the app, which answers it as ``POST /v2/`` (see
README, "Differences"). Our own pecan app does not force canonical URLs
elsewhere: ``/v2/workflows`` and ``/v2/workflows/`` both answer, as in
Mistral.
"""

import webob.exc

_NOT_CANONICAL = "/v2"


class CanonicalRedirect:
    def __init__(self, app):
        self._app = app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == _NOT_CANONICAL and \
                environ.get("REQUEST_METHOD") != "POST":
            return self._redirect(environ)(environ, start_response)
        return self._app(environ, start_response)

    @staticmethod
    def _redirect(environ):
        request = webob.Request(environ)
        location = request.application_url + _NOT_CANONICAL + "/"
        if request.query_string:
            location += "?" + request.query_string
        return webob.exc.HTTPFound(location=location)
