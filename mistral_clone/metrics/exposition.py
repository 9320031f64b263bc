"""The text a scrape gets: this process's registry in the format the
scraper asks for (``Accept``), with prometheus_client's content type.

A WSGI server that forks worker processes (gunicorn, uwsgi with
``processes``) gives each its own registry, and a scrape reaches one of
them at random: with ``PROMETHEUS_MULTIPROC_DIR`` set (prometheus_client's
own mechanism) every worker writes its values there and each scrape
reads all of them. The processes of ``mistral-clone-server`` never fork:
they need nothing of the kind.
"""

import os

import prometheus_client
from prometheus_client import exposition
from prometheus_client import multiprocess

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def registry():
    if os.environ.get(MULTIPROC_DIR_VARIABLE):
        merged = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)
        return merged
    return prometheus_client.REGISTRY


def render(accept_header: str = "") -> tuple:
    """(body, content type) of a scrape."""
    encoder, content_type = exposition.choose_encoder(accept_header or "")
    return encoder(registry()), content_type


def wsgi_app(environ, start_response):
    """Answers every request with the metrics (a port of its own)."""
    body, content_type = render(environ.get("HTTP_ACCEPT", ""))
    start_response("200 OK", [("Content-Type", content_type),
                              ("Content-Length", str(len(body)))])
    return [body]
