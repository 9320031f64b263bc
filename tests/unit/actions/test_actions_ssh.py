"""std.ssh and std.ssh_proxied against a private sshd on loopback."""

import shutil

import pytest

from mistral_clone import actions
from mistral_clone.actions.std import ssh


@pytest.fixture(autouse=True)
def ssh_loopback(action_conf):
    """The private sshd lives on loopback, which is denied by default."""
    action_conf.set_override('denied_cidrs', ['169.254.0.0/16'],
                             group='action_std_ssh')
    return action_conf


def run_ssh(**action_input):
    return actions.run_action('std.ssh', action_input)


@pytest.mark.parametrize('host, expected', [
    ('h', ('h', 22)), ('h:2222', ('h', 2222)), ('[::1]:2200', ('::1', 2200)),
    ('[::1]', ('::1', 22)), ('fe80::1', ('fe80::1', 22)),
])
def test_split_host(host, expected):
    assert ssh.split_host(host) == expected


def test_command_with_key_file(sshd):
    result = run_ssh(cmd='echo hello; echo oops >&2', host=sshd['host'],
                     username=sshd['username'],
                     private_key_filename=sshd['key_file'])
    assert result.data == 'hello\n'


def test_command_with_key_text_on_several_hosts(sshd):
    result = run_ssh(cmd='printf x', host=[sshd['host'], sshd['host']],
                     username=sshd['username'],
                     private_key=sshd['key_text'])
    assert result.data == ['x', 'x']


def test_failing_command_gives_generic_error(sshd):
    result = run_ssh(cmd='exit 3', host=sshd['host'],
                     username=sshd['username'],
                     private_key=sshd['key_text'])
    assert result.is_error()
    assert "msg='Failed to execute ssh cmd 'exit 3' on ['%s']'" \
        % sshd['host'] in result.error


def test_return_result_on_error(sshd):
    result = run_ssh(cmd='echo out; echo err >&2; exit 3', host=sshd['host'],
                     username=sshd['username'], private_key=sshd['key_text'],
                     return_result_on_error=True)
    assert result.data == {'stdout': 'out\n', 'stderr': 'err\n',
                           'exit_code': 3}


def test_large_stderr_does_not_block(sshd):
    result = run_ssh(cmd='head -c 300000 /dev/zero >&2; echo done',
                     host=sshd['host'], username=sshd['username'],
                     private_key=sshd['key_text'],
                     return_result_on_error=True)
    assert result.data['stdout'] == 'done\n'
    assert len(result.data['stderr']) == 300000


def test_wrong_password_is_refused(sshd):
    result = run_ssh(cmd='true', host=sshd['host'],
                     username=sshd['username'], password='not-the-password')
    assert "Failed to execute ssh cmd 'true'" in result.error
    assert 'not-the-password' not in result.error


def test_key_file_with_dotdot_is_refused():
    result = run_ssh(cmd='true', host='127.0.0.1:1', username='u',
                     private_key_filename='../etc/key')
    assert "Private key filename must not contain '..'" in result.error


def test_proxied_through_gateway(sshd):
    if not shutil.which('nc'):
        pytest.skip('the gateway needs "nc" to reach the target host')
    result = actions.run_action('std.ssh_proxied', {
        'cmd': 'echo via-gateway', 'host': sshd['host'],
        'username': sshd['username'],
        'private_key_filename': sshd['key_file'],
        'gateway_host': sshd['host']})
    assert result.data == 'via-gateway\n'


@pytest.mark.parametrize('field', ['host', 'gateway_host'])
@pytest.mark.parametrize('address', ['127.0.0.1', '0.0.0.0'])
def test_denied_hosts_are_refused(sshd, ssh_loopback, field, address):
    ssh_loopback.clear_override('denied_cidrs', group='action_std_ssh')
    port = sshd['host'].rsplit(':', 1)[1]
    action_input = {'cmd': 'echo reached', 'host': '192.0.2.1:22',
                    'username': sshd['username'],
                    'private_key_filename': sshd['key_file'],
                    'gateway_host': '192.0.2.1:22'}
    action_input[field] = '%s:%s' % (address, port)
    name = 'std.ssh_proxied' if field == 'gateway_host' else 'std.ssh'
    if name == 'std.ssh':
        del action_input['gateway_host']
    result = actions.run_action(name, action_input)
    assert "SSH host '%s' resolves to a blocked address (%s)." \
        % (address, address) in result.error
