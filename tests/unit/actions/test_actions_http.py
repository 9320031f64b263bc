"""std.http and std.mistral_http against a real HTTP server on loopback."""

import base64
import json

import pytest

from mistral_clone import actions, exceptions as exc
from mistral_clone.actions import ActionContext, egress


def run_http(**action_input):
    return actions.run_action('std.http', action_input, ActionContext())


# ------------------------------------------------------------ egress policy

def test_loopback_is_denied_by_default(action_conf, http):
    result = run_http(url=http.base_url + '/echo')
    assert result.is_error()
    assert "msg='URL host '127.0.0.1' resolves to a blocked address " \
        "(127.0.0.1).'" in result.error
    assert http.requests == []


@pytest.mark.parametrize('url, message', [
    ('ftp://example.org/x',
     "URL scheme 'ftp' is not allowed (only http and https are)."),
    ('file:///etc/passwd',
     "URL scheme 'file' is not allowed (only http and https are)."),
    ('http:///nohost', 'URL does not contain a host.'),
    ('http://169.254.169.254/latest/meta-data',
     "URL host '169.254.169.254' resolves to a blocked address "
     "(169.254.169.254)."),
    ('http://[::1]:80/', "URL host '::1' resolves to a blocked address "
                         "(::1)."),
    ('http://localhost:1/', "URL host 'localhost' resolves to a blocked "
                            "address"),
    ('http://0.0.0.0:1/', "URL host '0.0.0.0' resolves to a blocked "
                          "address (0.0.0.0)."),
    ('http://[::]:1/', "URL host '::' resolves to a blocked address (::)."),
    ('http://100.100.100.200/', "URL host '100.100.100.200' resolves to a "
                                "blocked address"),
    ('http://224.0.0.1/', "URL host '224.0.0.1' resolves to a blocked"),
    ('http://[::ffff:127.0.0.1]/', "URL host '::ffff:127.0.0.1' resolves "
                                   "to a blocked address"),
    ('http://[64:ff9b::a9fe:a9fe]/', "URL host '64:ff9b::a9fe:a9fe' "
                                     "resolves to a blocked address"),
    ('http://[2002:7f00:1::]/', "URL host '2002:7f00:1::' resolves to a "
                                "blocked address"),
    ('http://[fd00:ec2::254]/', "URL host 'fd00:ec2::254' resolves to a "
                                "blocked address"),
])
def test_egress_refusals(action_conf, url, message):
    with pytest.raises(exc.UrlNotAllowedError) as err:
        egress.validate_url(url, action_conf)
    assert str(err.value).startswith(message)


def test_allowed_hosts(action_conf, http):
    action_conf.set_override('denied_cidrs', [], group='action_std_http')
    action_conf.set_override('allowed_hosts', ['localhost'], group='action_std_http')
    result = run_http(url=http.base_url + '/echo')
    assert "Host '127.0.0.1' is not in [action_std_http] allowed_hosts." \
        in result.error
    action_conf.set_override('allowed_hosts', ['127.0.0.1'],
                      group='action_std_http')
    assert run_http(url=http.base_url + '/echo').data['status'] == 200


def test_unresolvable_host_is_let_through_then_fails(action_conf):
    egress.validate_url('http://no-such-host.invalid/', action_conf)
    result = run_http(url='http://no-such-host.invalid/', timeout=5)
    assert 'Failed to send HTTP request: ' in result.error


def test_redirect_to_denied_address_is_refused(allow_loopback, http):
    allow_loopback.set_override('denied_cidrs', ['::1/128'],
                                group='action_std_http')
    target = 'http://[::1]:1/secret'
    url = http.base_url + '/redirect?to=' + target
    result = run_http(url=url, allow_redirects=True)
    assert "URL host '::1' resolves to a blocked address (::1)." \
        in result.error
    # Not following redirects: the 302 itself is the (successful) result.
    result = run_http(url=url)
    assert result.data['status'] == 302
    assert result.data['headers']['Location'] == target


@pytest.mark.parametrize('host', ['0.0.0.0', '0', '[::]'])
def test_unspecified_addresses_do_not_reach_loopback(action_conf, http, host):
    port = http.server_address[1]
    result = run_http(url='http://%s:%s/echo' % (host, port))
    assert 'resolves to a blocked address' in result.error
    assert http.requests == []


def test_proxy_with_unresolvable_url_host_is_refused(action_conf, http):
    result = run_http(url='http://no-such-host.invalid/echo',
                      proxies={'http': http.base_url})
    assert "URL host 'no-such-host.invalid' does not resolve, so its " \
        "address cannot be checked ([action_std_http] denied_cidrs); it " \
        "is refused." in result.error
    assert http.requests == []


@pytest.mark.parametrize('denied, url, blocked', [
    # The URL host is denied: the proxy must not be asked to reach it.
    ('169.254.0.0/16', 'http://169.254.169.254/latest/meta-data',
     '169.254.169.254'),
    # The proxy itself is on a denied address.
    ('127.0.0.1/32', 'http://192.0.2.1/echo', '127.0.0.1'),
])
def test_proxy_or_its_target_on_a_denied_address_is_refused(
        action_conf, http, denied, url, blocked):
    action_conf.set_override('denied_cidrs', [denied],
                             group='action_std_http')
    result = run_http(url=url, proxies={'http': http.base_url})
    assert "URL host '%s' resolves to a blocked address (%s)." \
        % (blocked, blocked) in result.error
    assert http.requests == []


def test_socks_proxy_is_refused(allow_loopback, http):
    result = run_http(url=http.base_url + '/echo',
                      proxies={'http': 'socks5h://127.0.0.1:1'})
    assert "Proxy scheme 'socks5h' is not allowed" in result.error


def test_allowed_proxy_is_used(allow_loopback, http):
    result = run_http(url='http://127.0.0.1:1/echo',
                      proxies={'http': http.base_url})
    assert result.data['status'] == 200
    assert [r['path'] for r in http.requests] == ['/echo']


@pytest.fixture
def fake_dns(monkeypatch):
    """Names under ``.test`` answered from a script (an attacker's DNS);
    each lookup takes the next answer, the last one repeats."""
    import socket
    answers, lookups = {}, []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if not str(host).endswith('.test'):
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        script = answers[host]
        address = script.pop(0) if len(script) > 1 else script[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, '',
                 (address, int(port or 80)))]

    monkeypatch.setattr(socket, 'getaddrinfo', getaddrinfo)
    return answers, lookups


def test_dns_rebinding_cannot_move_the_connection(action_conf, http,
                                                  fake_dns):
    """The name answers an allowed address, then the denied one where the
    server listens: the connection never goes to the second answer."""
    action_conf.set_override('denied_cidrs', ['127.0.0.1/32'],
                             group='action_std_http')
    answers, _lookups = fake_dns
    answers['rebind.test'] = ['127.0.0.2', '127.0.0.1']
    port = http.server_address[1]
    result = run_http(url='http://rebind.test:%s/echo' % port, timeout=5)
    assert result.is_error()
    assert http.requests == []


def test_connection_goes_to_the_checked_address_with_the_name(
        allow_loopback, http, fake_dns):
    answers, lookups = fake_dns
    answers['pinned.test'] = ['127.0.0.1']
    port = http.server_address[1]
    result = run_http(url='http://pinned.test:%s/echo' % port)
    assert result.data['status'] == 200
    assert result.data['content']['headers']['Host'] == \
        'pinned.test:%s' % port
    assert result.data['url'] == 'http://pinned.test:%s/echo' % port


# ------------------------------------------------------- requests, results

def test_get_result_shape(allow_loopback, http):
    result = run_http(url=http.base_url + '/echo', params={'q': 'x y'})
    assert result.is_success()
    data = result.data
    assert set(data) == {'content', 'status', 'headers', 'url', 'history',
                         'encoding', 'reason', 'cookies', 'elapsed'}
    assert data['status'] == 200 and data['reason'] == 'OK'
    assert data['content']['method'] == 'GET'
    assert data['content']['query'] == {'q': 'x y'}
    assert data['url'] == http.base_url + '/echo?q=x+y'
    assert data['history'] == []
    assert data['cookies'] == {'session': 'abc'}
    assert data['headers']['Content-Type'] == 'application/json'
    assert isinstance(data['elapsed'], float)
    json.dumps(data)  # the whole result is plain data


@pytest.mark.parametrize('method', ['POST', 'PUT', 'PATCH', 'DELETE'])
def test_methods_and_json_body(allow_loopback, http, method):
    result = run_http(url=http.base_url + '/echo', method=method,
                      json={'a': [1, 2]})
    content = result.data['content']
    assert content['method'] == method
    assert json.loads(content['body']) == {'a': [1, 2]}
    assert content['headers']['Content-Type'] == 'application/json'


def test_dict_body_is_sent_as_json_text(allow_loopback, http):
    result = run_http(url=http.base_url + '/echo', method='POST',
                      body={'k': 'v'}, headers={'X-Num': 5})
    content = result.data['content']
    assert json.loads(content['body']) == {'k': 'v'}
    assert content['headers']['X-Num'] == '5'


def test_basic_auth_and_cookies(allow_loopback, http):
    result = run_http(url=http.base_url + '/echo', auth='user:pa ss',
                      cookies={'c1': 'v1'})
    headers = result.data['content']['headers']
    assert headers['Authorization'] == 'Basic ' + base64.b64encode(
        b'user:pa ss').decode()
    assert headers['Cookie'] == 'c1=v1'


def test_body_and_json_together_is_refused():
    result = run_http(url='http://x/', body='a', json={'b': 1})
    assert result.error == \
        "Only one of the parameters 'json' and 'body' can be passed"


@pytest.mark.parametrize('status', [400, 404, 500, 307])
def test_non_success_status_fails_with_the_response(allow_loopback, http,
                                                    status):
    result = run_http(url=http.base_url + '/status/%d' % status)
    assert result.is_error()
    assert result.error['status'] == status
    assert result.error['content'] == {'error': 'nope'}


def test_2xx_and_3xx_below_307_succeed(allow_loopback, http):
    assert run_http(url=http.base_url + '/status/201').data['status'] == 201
    assert run_http(url=http.base_url + '/status/304').is_success()


def test_text_is_decoded_with_its_charset(allow_loopback, http):
    data = run_http(url=http.base_url + '/text').data
    assert data['content'] == 'caf\u00e9'
    assert data['encoding'] == 'ISO-8859-1'


def test_followed_redirect_history(allow_loopback, http):
    url = http.base_url + '/redirect?to=/echo'
    data = run_http(url=url, allow_redirects=True).data
    assert data['status'] == 200
    assert data['url'] == http.base_url + '/echo'
    assert data['history'] == [['moved']]


def test_timeout(allow_loopback, http):
    result = run_http(url=http.base_url + '/slow', timeout=0.2)
    assert 'Failed to send HTTP request: ' in result.error
    assert 'timed out' in result.error


def test_default_timeout_applies(allow_loopback, http):
    allow_loopback.set_override('default_timeout', 1,
                                group='action_std_http')
    result = run_http(url=http.base_url + '/slow')
    assert 'timed out' in result.error


def test_connection_refused(allow_loopback, unused_port):
    result = run_http(url='http://127.0.0.1:%d/' % unused_port)
    assert "msg='Failed to send HTTP request: " in result.error


def test_max_response_size(allow_loopback, http):
    allow_loopback.set_override('max_response_size_bytes', 100,
                                group='action_std_http')
    result = run_http(url=http.base_url + '/big?n=200')
    assert "HTTP response is too large (Content-Length=200, limit=100 " \
        "bytes)." in result.error
    result = run_http(url=http.base_url + '/big?n=5000&chunked=1')
    assert 'HTTP response is too large (body exceeds limit=100 bytes).' \
        in result.error
    assert run_http(url=http.base_url + '/big?n=100').data['content'] == \
        'x' * 100
    allow_loopback.set_override('max_response_size_bytes', 0,
                                group='action_std_http')
    assert len(run_http(url=http.base_url + '/big?n=5000&chunked=1')
               .data['content']) == 5000


# --------------------------------------------------------- std.mistral_http

def test_mistral_http_adds_execution_headers(allow_loopback, http):
    ctx = ActionContext(
        workflow_execution_id='wf-1', task_execution_id='t-1',
        action_execution_id='a-1', workflow_name='my_wf',
        callback_url='http://127.0.0.1:8989/v2/action_executions/a-1')
    result = actions.run_action(
        'std.mistral_http',
        {'url': http.base_url + '/echo', 'headers': {'X-Own': 'yes'}}, ctx)
    assert not result.sync and not result.is_error()
    headers = http.requests[-1]['headers']
    assert headers['Mistral-Workflow-Name'] == 'my_wf'
    assert headers['Mistral-Workflow-Execution-Id'] == 'wf-1'
    assert headers['Mistral-Task-Id'] == 't-1'
    assert headers['Mistral-Action-Execution-Id'] == 'a-1'
    assert headers['Mistral-Callback-URL'] == ctx.callback_url
    assert headers['X-Own'] == 'yes'


def test_mistral_http_without_execution_skips_empty_headers(allow_loopback,
                                                            http):
    result = actions.run_action('std.mistral_http',
                                {'url': http.base_url + '/echo'})
    assert result.is_success()
    assert not any(h.startswith('Mistral-')
                   for h in http.requests[-1]['headers'])


def test_tls_keeps_the_name_for_sni_and_certificate(allow_loopback,
                                                    https_server, fake_dns):
    """Connected at the checked address, TLS still names the host: the
    certificate, valid for "pinned.test" only, verifies."""
    answers, lookups = fake_dns
    answers['pinned.test'] = ['127.0.0.1']
    url = 'https://pinned.test:%s/echo' % https_server.server_address[1]
    result = run_http(url=url, verify=https_server.cert_file)
    assert result.data['status'] == 200
    assert result.data['content']['headers']['Host'] == \
        'pinned.test:%s' % https_server.server_address[1]
    assert 'pinned.test' in lookups
