"""WSGI servers that fork workers: with ``PROMETHEUS_MULTIPROC_DIR`` set,
what each worker process counted is added up by any worker's scrape."""

import os
import subprocess
import sys

_COUNT = """
from mistral_clone.metrics import api
api.observe_request("GET", "/v2/workflows/wf1", "200", 0.01)
"""
_SCRAPE = """
from mistral_clone.metrics import exposition
body, content_type = exposition.render("")
print(body.decode())
"""


def _python(code, env):
    return subprocess.run([sys.executable, "-c", code], env=env,
                          check=True, capture_output=True, text=True,
                          timeout=120).stdout


def test_workers_counts_are_added_up(tmp_path):
    env = dict(os.environ, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    _python(_COUNT, env)
    _python(_COUNT, env)
    scraped = _python(_SCRAPE, env)
    assert 'mistral_api_request_duration_seconds_count{method="GET",' \
        'route="/v2/workflows/{id}",status="200"} 2.0' in scraped
