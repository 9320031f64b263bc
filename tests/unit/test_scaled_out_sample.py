"""``etc/mistral-clone-scaled-out.conf``, the README's complete
multi-process configuration, names only options that exist, with values
they accept, and sets what a scaled-out deployment needs."""

import configparser
import pathlib

from oslo_config import cfg

from mistral_clone import config
from mistral_clone.actions import opts as actions_opts

SAMPLE = pathlib.Path(__file__).parents[2] / "etc" / \
    "mistral-clone-scaled-out.conf"


def test_sample_options_exist_and_parse():
    conf = cfg.ConfigOpts()
    config.register_opts(conf)
    conf.register_opts([cfg.StrOpt("transport_url")])
    conf(["--config-file", str(SAMPLE)], project="mistral-clone")
    parser = configparser.ConfigParser()
    parser.read(SAMPLE)
    for section in ["DEFAULT"] + parser.sections():
        group = conf if section == "DEFAULT" else conf[section]
        names = parser.defaults() if section == "DEFAULT" else [
            k for k in parser[section] if k not in parser.defaults()]
        for name in names:
            getattr(group, name)  # unknown: NoSuchOptError; bad: error
    assert conf.transport_url.startswith("rabbit://")
    assert conf.database.connection.startswith("postgresql")
    assert conf.healthcheck.enabled
    assert conf.execution_expiration_policy.evaluation_interval == 10


def test_loopback_hint_is_the_default_without_loopback():
    line = next(x for x in SAMPLE.read_text().splitlines()
                if x.startswith("#denied_cidrs = "))
    listed = line.split(" = ", 1)[1].split(",")
    assert listed == [c for c in actions_opts.DEFAULT_DENIED_CIDRS
                      if c not in ("127.0.0.0/8", "::1/128")]
