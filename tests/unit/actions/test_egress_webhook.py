"""Notification webhooks under their own egress policy, ``[notifier]
webhook_denied_cidrs``, against the loopback HTTP peer."""

import pytest

from mistral_clone import config
from mistral_clone.notifier import publishers


@pytest.fixture
def notifier_conf():
    config.register_opts()
    yield config.CONF
    config.CONF.clear_override('webhook_denied_cidrs', group='notifier')
    config.CONF.clear_override('denied_cidrs', group='action_std_http')


def post(url):
    publishers.webhook(None, 'ex-1', {'id': 'ex-1'}, 'WORKFLOW_LAUNCHED',
                       '2026-01-01T00:00:00', url=url)


@pytest.mark.parametrize('host', ['127.0.0.1', '0.0.0.0', '0', '[::]'])
def test_denied_by_default_and_not_by_the_std_http_option(notifier_conf,
                                                          http, host):
    notifier_conf.set_override('denied_cidrs', [], group='action_std_http')
    port = http.server_address[1]
    with pytest.raises(publishers.Undeliverable) as err:
        post('http://%s:%s/echo' % (host, port))
    assert 'resolves to a blocked address' in str(err.value)
    assert http.requests == []


def test_allowed_by_its_own_option(notifier_conf, http):
    notifier_conf.set_override('webhook_denied_cidrs', ['169.254.0.0/16'],
                               group='notifier')
    post(http.base_url + '/echo')
    [request] = http.requests
    assert request['method'] == 'POST'
    assert request['body'] == b'{"id": "ex-1"}'


def test_redirect_is_not_followed_to_a_denied_address(notifier_conf, http):
    notifier_conf.set_override('webhook_denied_cidrs', ['169.254.0.0/16'],
                               group='notifier')
    with pytest.raises(publishers.Undeliverable):
        post(http.base_url + '/redirect?to=http://169.254.169.254/')
    assert [r['path'] for r in http.requests] == ['/redirect']
