"""std.email: sends one message over SMTP with smtplib.

The SMTP server is reached under the egress policy of ``[action_std_email]
denied_cidrs``: its name is resolved once, checked, and connected to at
the checked address (``mistral_clone.actions.egress``).
"""

from __future__ import annotations

import logging
from typing import Any, List

from mistral_clone import exceptions as exc
from mistral_clone.actions import egress, opts
from mistral_clone.actions.base import Action, ActionContext

LOG = logging.getLogger(__name__)

#: Seconds for each SMTP socket operation; the stdlib default is to wait
#: forever, which would pin an executor thread on a silent server.
SMTP_TIMEOUT = 60


def _addresses(value: Any, name: str) -> List[str]:
    """A list of addresses; a single string counts as one address.

    An address with a line break is refused: it would end the header or
    the SMTP command it is written into and start one the workflow chose
    (header or SMTP command injection).
    """
    if not value:
        return []
    items = [value] if isinstance(value, str) else list(value) \
        if isinstance(value, (list, tuple)) else [value]
    addresses = [str(item) for item in items]
    for address in addresses:
        if '\r' in address or '\n' in address or '\0' in address:
            raise exc.ActionError(
                "std.email: '%s' must not contain line breaks or NUL "
                "characters: %r" % (name, address)
            )
    return addresses


def _smtp(server: str, timeout: float):
    """An smtplib.SMTP connected to ``server`` under the egress policy.

    smtplib (with ssl and email) loads on the first std.email only.
    """
    import smtplib

    pol = egress.policy(opts.ACTION_STD_EMAIL_GROUP, label='SMTP server')

    class PolicySMTP(smtplib.SMTP):
        def _get_socket(self, host, port, timeout):
            return egress.connect(host, port, pol, timeout,
                                  self.source_address)

    return PolicySMTP(server, timeout=timeout)


class SendEmailAction(Action):
    """Sends an email through ``smtp_server`` ("host" or "host:port").

    With ``smtp_password`` the connection is upgraded with STARTTLS and the
    sender logs in as ``from_addr``. ``html_body`` turns the message into a
    multipart/alternative with a plain and an HTML part. The result is null.
    """

    class_path = 'mistral.actions.std_actions.SendEmailAction'

    def __init__(self, from_addr, to_addrs, smtp_server, reply_to=None,
                 cc_addrs=None, bcc_addrs=None, smtp_password=None,
                 subject=None, body=None, html_body=None):
        _addresses(from_addr, 'from_addr')
        self.sender = from_addr
        self.to = _addresses(to_addrs, 'to_addrs')
        self.smtp_server = smtp_server
        self.reply_to = _addresses(reply_to, 'reply_to')
        self.cc = _addresses(cc_addrs, 'cc_addrs')
        self.bcc = _addresses(bcc_addrs, 'bcc_addrs')
        self.password = smtp_password
        self.subject = subject or '<No subject>'
        self.body = body or '<No body>'
        self.html_body = html_body

    def _message(self) -> str:
        # smtplib and email.mime load on the first std.email only.
        from email.header import Header
        from email.mime.multipart import MIMEMultipart
        from email.mime.text import MIMEText

        if self.html_body:
            message = MIMEMultipart('alternative')
            message.attach(MIMEText(self.body, 'plain', _charset='utf-8'))
            message.attach(MIMEText(self.html_body, 'html', _charset='utf-8'))
        else:
            message = MIMEText(self.body, _charset='utf-8')
        message['Subject'] = Header(self.subject, 'utf-8')
        message['From'] = self.sender
        message['Reply-To'] = Header(', '.join(self.reply_to))
        message['To'] = ', '.join(self.to)
        if self.cc:
            message['cc'] = ', '.join(self.cc)
        return message.as_string()

    def run(self, ctx: ActionContext) -> None:
        LOG.info(
            'Sending email message [from=%s, to=%s, cc=%s, bcc=%s, '
            'subject=%s, smtp=%s]', self.sender, self.to, self.cc, self.bcc,
            self.subject, self.smtp_server
        )
        import smtplib

        recipients = self.cc + self.bcc + self.to
        try:
            with _smtp(self.smtp_server, SMTP_TIMEOUT) as smtp:
                if self.password is not None:
                    smtp.ehlo()
                    smtp.starttls()
                    smtp.ehlo()
                    smtp.login(self.sender, self.password)
                smtp.sendmail(self.sender, recipients, self._message())
        except (smtplib.SMTPException, OSError) as e:
            raise exc.ActionError('Failed to send an email message: %s' % e)
        return None

    def test(self, ctx: ActionContext) -> None:
        return None
