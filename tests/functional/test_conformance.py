"""The shared conformance cases (whole workflows with the outcome the real
Mistral 23 produced) against a whole embedded server, with Mistral's
default egress policy (loopback denied, so the runner's HTTP peer listens on
a non-loopback address of this host).

Runs when ``../shared/conformance`` (beside the checkout) or
``MISTRAL_CLONE_CONFORMANCE`` is there; skipped otherwise.
"""

import os
import re
import subprocess
import sys

import pytest

from tests.functional.server import running_server

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CONFORMANCE = os.environ.get("MISTRAL_CLONE_CONFORMANCE") or \
    os.path.join(os.path.dirname(ROOT), "shared", "conformance")
RUNNER = os.path.join(CONFORMANCE, "run.py")

pytestmark = pytest.mark.skipif(not os.path.exists(RUNNER),
                                reason="no conformance cases beside the "
                                       "checkout")


def _run(url, *args):
    result = subprocess.run(
        [sys.executable, RUNNER, "--url", url, "--http-host", "auto"] +
        list(args), capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    summary = re.findall(r"^(\d+) passed, (\d+) failed", output, re.M)
    assert summary, output[-3000:]
    failed = [line.split()[1] for line in output.splitlines()
              if line.startswith("FAIL ")]
    return failed, output


def test_all_cases_match_real_mistral(tmp_path):
    with running_server(tmp_path) as (url, _state):
        failed, output = _run(url, "--jobs", "4")
        if failed:
            # A few cases race one-second timers against each other; on a
            # loaded machine run those once more, one at a time.
            failed, output = _run(url, "--jobs", "1", "--only",
                                  ",".join(failed), "-v")
    assert not failed, output[-4000:]
