"""Checks that a committed sample file is what its generator makes now."""

import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def assert_current(command, generator_conf, sample, tmp_path):
    """``command`` (a list) run with ``--config-file etc/<generator_conf>``
    writes what ``etc/<sample>`` holds."""
    out = tmp_path / sample
    subprocess.run(command + [
        "--config-file", os.path.join(ROOT, "etc", generator_conf),
        "--output-file", str(out)], check=True, cwd=ROOT,
        capture_output=True)
    with open(os.path.join(ROOT, "etc", sample)) as f:
        committed = f.read()
    assert out.read_text() == committed, (
        "etc/%s is stale: run %s --config-file etc/%s" % (
            sample, os.path.basename(command[-1]), generator_conf))
