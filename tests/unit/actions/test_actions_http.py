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
