"""std.email against a real SMTP server (aiosmtpd) on loopback."""

import email
import email.header

import pytest

from mistral_clone import actions


def _header(value):
    return str(email.header.make_header(email.header.decode_header(value)))


def send(**action_input):
    return actions.run_action('std.email', action_input)


def test_plain_message(smtp_server):
    result = send(from_addr='wf@example.org', to_addrs=['a@example.org'],
                  cc_addrs=['c@example.org'], bcc_addrs=['b@example.org'],
                  reply_to=['r@example.org'],
                  smtp_server=smtp_server.address, subject='Caf\u00e9',
                  body='Hello \u00e9')
    assert result.is_success() and result.data is None
    [received] = smtp_server.messages
    assert received['from'] == 'wf@example.org'
    assert received['rcpt'] == ['c@example.org', 'b@example.org',
                                'a@example.org']
    message = email.message_from_string(received['data'])
    assert message['To'] == 'a@example.org'
    assert message['cc'] == 'c@example.org'
    assert 'b@example.org' not in received['data']  # bcc stays hidden
    assert _header(message['Subject']) == 'Caf\u00e9'
    assert message['Reply-To'] == 'r@example.org'
    assert message.get_payload(decode=True).decode('utf-8') == \
        'Hello \u00e9'


def test_html_message_and_defaults(smtp_server):
    result = send(from_addr='wf@example.org', to_addrs='one@example.org',
                  smtp_server=smtp_server.address, html_body='<b>hi</b>')
    assert result.is_success()
    message = email.message_from_string(smtp_server.messages[0]['data'])
    assert message.get_content_type() == 'multipart/alternative'
    plain, html = message.get_payload()
    assert plain.get_payload(decode=True) == b'<No body>'
    assert html.get_content_type() == 'text/html'
    assert html.get_payload(decode=True) == b'<b>hi</b>'
    assert _header(message['Subject']) == '<No subject>'
    assert smtp_server.messages[0]['rcpt'] == ['one@example.org']


def test_password_requires_starttls(smtp_server):
    result = send(from_addr='wf@example.org', to_addrs=['a@example.org'],
                  smtp_server=smtp_server.address, smtp_password='secret')
    assert "msg='Failed to send an email message: STARTTLS extension not " \
        "supported by server.'" in result.error
    assert smtp_server.messages == []


def test_unreachable_server(action_conf, unused_port):
    action_conf.set_override('denied_cidrs', [], group='action_std_email')
    result = send(from_addr='wf@example.org', to_addrs=['a@example.org'],
                  smtp_server='127.0.0.1:%d' % unused_port)
    assert 'Failed to send an email message: ' in result.error
    assert 'Connection refused' in result.error


def test_missing_input():
    assert send(from_addr='x').error == (
        "Invalid input [name=std.email, "
        "class=mistral.actions.std_actions.SendEmailAction, "
        "missing=['to_addrs', 'smtp_server']]")


@pytest.mark.parametrize('field, value', [
    ('to_addrs', ['a@example.org\r\nRCPT TO:<evil@example.org>']),
    ('to_addrs', 'a@example.org\nBcc: evil@example.org'),
    ('from_addr', 'wf@example.org\r\nBcc: evil@example.org'),
    ('cc_addrs', ['c@example.org\rX-Injected: yes']),
    ('bcc_addrs', ['b@example.org\r\nDATA']),
    ('reply_to', ['r@example.org\nX-Injected: yes']),
])
def test_line_breaks_in_addresses_are_refused(smtp_server, field, value):
    action_input = dict(from_addr='wf@example.org',
                        to_addrs=['a@example.org'],
                        smtp_server=smtp_server.address, body='hi')
    action_input[field] = value
    result = send(**action_input)
    assert result.is_error()
    assert ("std.email: '%s' must not contain line breaks or NUL "
            "characters" % field) in result.error
    assert smtp_server.messages == []


@pytest.mark.parametrize('host', ['127.0.0.1', '0.0.0.0', 'localhost'])
def test_smtp_server_on_a_denied_address_is_refused(smtp_server, action_conf,
                                                    host):
    action_conf.clear_override('denied_cidrs', group='action_std_email')
    port = smtp_server.address.rsplit(':', 1)[1]
    result = send(from_addr='wf@example.org', to_addrs=['a@example.org'],
                  smtp_server='%s:%s' % (host, port), body='hi')
    assert "SMTP server '%s' resolves to a blocked address" % host \
        in result.error
    assert smtp_server.messages == []
