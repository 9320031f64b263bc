"""The catalogue matches what real Mistral 23 lists in GET /v2/actions."""

import pytest

from mistral_clone import actions, exceptions as exc
from mistral_clone.actions import opts, registry

# Input strings as the reference Mistral 23 shows them.
REFERENCE_INPUTS = {
    'std.async_noop': '',
    'std.echo': 'output, delay=0',
    'std.email': 'from_addr, to_addrs, smtp_server, reply_to=null, '
                 'cc_addrs=null, bcc_addrs=null, smtp_password=null, '
                 'subject=null, body=null, html_body=null',
    'std.fail': 'error_data=null',
    'std.http': 'url, method="GET", params=null, body=null, json=null, '
                'headers=null, cookies=null, auth=null, timeout=null, '
                'allow_redirects=null, proxies=null, verify=null',
    'std.javascript': 'script, context=null',
    'std.js': 'script, context=null',
    'std.mistral_http': 'url, method="GET", params=null, body=null, '
                        'json=null, headers=null, cookies=null, auth=null, '
                        'timeout=null, allow_redirects=null, proxies=null, '
                        'verify=null',
    'std.noop': '',
    'std.sleep': 'seconds=1',
    'std.ssh': 'cmd, host, username, password="", '
               'private_key_filename=null, private_key=null, '
               'return_result_on_error=false',
    'std.ssh_proxied': 'cmd, host, username, private_key_filename, '
                       'gateway_host, gateway_username=null, password=null, '
                       'proxy_command=null, private_key=null',
    'std.test_dict': 'size=0, key_prefix="", val=""',
}


def test_names_and_inputs_match_reference():
    assert {d.name: d.input_str for d in actions.SYSTEM_ACTIONS} == \
        REFERENCE_INPUTS


def test_catalogue_is_sorted_and_described():
    names = [d.name for d in actions.SYSTEM_ACTIONS]
    assert names == sorted(names)
    for desc in actions.SYSTEM_ACTIONS:
        assert desc.description.strip()
        assert desc.tags is None
        assert issubclass(desc.action_class, actions.Action)
        assert desc.action_class.action_name == desc.name


def test_resource_shape_is_the_reference_one():
    resource = actions.find_action('std.echo').as_resource()
    assert resource == {
        'id': 'std.echo', 'name': 'std.echo', 'is_system': False,
        'input': 'output, delay=0',
        'description': resource['description'], 'tags': None,
        'definition': '', 'scope': None, 'project_id': None,
        'created_at': '', 'updated_at': '', 'namespace': '',
    }


@pytest.mark.parametrize('name, required, defaults', [
    ('std.echo', ['output'], {'delay': 0}),
    ('std.noop', [], {}),
    ('std.http', ['url'], {
        'method': 'GET', 'params': None, 'body': None, 'json': None,
        'headers': None, 'cookies': None, 'auth': None, 'timeout': None,
        'allow_redirects': None, 'proxies': None, 'verify': None}),
    ('std.ssh_proxied',
     ['cmd', 'host', 'username', 'private_key_filename', 'gateway_host'],
     {'gateway_username': None, 'password': None, 'proxy_command': None,
      'private_key': None}),
])
def test_signature(name, required, defaults):
    assert actions.get_action_signature(name) == (required, defaults)


def test_js_aliases_report_their_own_name():
    js = actions.get_action_class('std.js')
    javascript = actions.get_action_class('std.javascript')
    assert js is not javascript
    with pytest.raises(exc.InvalidActionError, match=r'name=std\.js,'):
        js()


def test_unknown_action():
    assert actions.find_action('std.nope') is None
    with pytest.raises(exc.InvalidActionError) as err:
        actions.get_action_class('std.nope')
    assert str(err.value) == 'Failed to find action [action_name=std.nope]'


def test_list_opts_and_defaults(action_conf):
    groups = {group: [o.name for o in group_opts]
              for group, group_opts in opts.list_opts()}
    assert groups['action_std_http'] == [
        'allowed_hosts', 'denied_cidrs', 'default_timeout',
        'max_response_size_bytes']
    for cidr in ('0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '::/128',
                 '::1/128', 'fe80::/10'):
        assert cidr in action_conf.action_std_http.denied_cidrs
    assert action_conf.action_std_ssh.denied_cidrs == \
        action_conf.action_std_http.denied_cidrs
    assert action_conf.action_std_email.denied_cidrs == \
        action_conf.action_std_http.denied_cidrs
    assert action_conf.action_std_http.default_timeout == 60
    assert action_conf.action_std_http.max_response_size_bytes == 5242880
    assert action_conf.action_std_http.allowed_hosts == []


def test_register_opts_on_a_fresh_config():
    from oslo_config import cfg
    fresh = cfg.ConfigOpts()
    opts.register_opts(fresh)
    opts.register_opts(fresh)  # twice is harmless
    fresh([], default_config_files=[])
    assert fresh.legacy_action_provider.load_action_plugins is True
    assert fresh.js_implementation == 'py_mini_racer'


class _PluginAction(actions.Action):
    """Adds two numbers."""

    def __init__(self, a, b=1):
        self.a, self.b = a, b

    def run(self, ctx):
        return self.a + self.b


class _FakeEntryPoint:
    def __init__(self, name, obj):
        self.name, self.value, self._obj = name, 'tests:%s' % name, obj

    def load(self):
        if isinstance(self._obj, Exception):
            raise self._obj
        return self._obj


@pytest.fixture
def plugins(monkeypatch, action_conf):
    entries = [
        _FakeEntryPoint('my.add', _PluginAction),
        _FakeEntryPoint('std.echo', _PluginAction),  # taken: ignored
        _FakeEntryPoint('my.broken', ImportError('no module')),
    ]
    monkeypatch.setattr(registry.metadata, 'entry_points',
                        lambda group: entries if
                        group == registry.ENTRY_POINT_GROUP else [])
    registry.reload_plugins()
    yield
    registry.reload_plugins()


def test_entry_point_plugins(plugins, action_conf):
    desc = actions.find_action('my.add')
    assert desc.input_str == 'a, b=1'
    assert desc.description == 'Adds two numbers.'
    assert actions.run_action('my.add', {'a': 2}).data == 3
    assert actions.find_action('my.broken') is None
    assert actions.find_action('std.echo').action_class.__mro__[1] is not \
        _PluginAction
    assert 'my.add' in [d.name for d in actions.list_actions()]

    action_conf.set_override('load_action_plugins', False,
                      group='legacy_action_provider')
    assert actions.find_action('my.add') is None
