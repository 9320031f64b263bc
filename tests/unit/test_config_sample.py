"""The committed config sample is what oslo-config-generator makes now
(regenerate with ``tox -e genconfig``)."""

import sys

from tests.unit import generated_samples


def test_sample_is_current(tmp_path):
    generated_samples.assert_current(
        [sys.executable, "-m", "oslo_config.generator"],
        "mistral-clone-config-generator.conf", "mistral-clone.conf.sample",
        tmp_path)


def test_embedded_defaults_need_no_file():
    from mistral_clone import config
    conf = config.CONF
    assert conf.api.port == 8989
    assert conf.api.host == "127.0.0.1"
    assert conf.pecan.auth_enable is False
    assert conf.database.connection is None
