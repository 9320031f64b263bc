"""The committed config sample is what oslo-config-generator makes now
(regenerate with ``tox -e genconfig``)."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def test_sample_is_current(tmp_path):
    out = tmp_path / "sample.conf"
    subprocess.run(
        [sys.executable, "-m", "oslo_config.generator", "--config-file",
         os.path.join(ROOT, "etc", "mistral-clone-config-generator.conf"),
         "--output-file", str(out)],
        check=True, cwd=ROOT, capture_output=True)
    with open(os.path.join(ROOT, "etc", "mistral-clone.conf.sample")) as f:
        committed = f.read()
    assert out.read_text() == committed, (
        "etc/mistral-clone.conf.sample is stale: run tox -e genconfig")


def test_embedded_defaults_need_no_file():
    from mistral_clone import config
    conf = config.CONF
    assert conf.api.port == 8989
    assert conf.api.host == "127.0.0.1"
    assert conf.pecan.auth_enable is False
    assert conf.database.connection is None
