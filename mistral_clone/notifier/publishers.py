"""Notification publishers: ``webhook`` POSTs the event as JSON, ``noop``
drops it (both as in Mistral).

A webhook goes out under its own egress policy, ``[notifier]
webhook_denied_cidrs``: an http(s) URL whose host is resolved once,
checked, and connected to at the checked address; no redirect is followed.

A publisher raises ``Undeliverable`` for an event that no later attempt
can deliver (the notifier drops it); any other error is taken as
transient and the event is tried again later.
"""

import json
import logging

from mistral_clone import config
from mistral_clone import exceptions as exc
from mistral_clone.actions import egress

LOG = logging.getLogger(__name__)

# Answers that may change on a later attempt: the server's errors and
# "timeout", "too early", "too many requests". Any other answer but 200 and
# 201 (Mistral's successes) refuses this event for good.
_RETRYABLE_CLIENT_ERRORS = (408, 425, 429)


class Undeliverable(Exception):
    """This event can never reach this publisher: do not retry."""


def webhook(ctx, ex_id, data, event, timestamp, url=None, headers=None,
            **_):
    # On the first webhook only: requests and urllib3 are about 8 MB.
    from mistral_clone.actions import pinned_http

    pol = egress.policy("notifier", "webhook_denied_cidrs", conf=config.CONF)
    try:
        egress.validate_url(url, pol=pol)
        with pinned_http.session(pol) as session:
            resp = session.post(url, data=json.dumps(data),
                                headers=headers or {}, timeout=(3, 10),
                                allow_redirects=False)
    except exc.UrlNotAllowedError as refused:
        raise Undeliverable("Webhook %s refused by [notifier] "
                            "webhook_denied_cidrs: %s" % (url, refused))
    LOG.info("Webhook request url=%s code=%s", url, resp.status_code)
    if resp.status_code in (200, 201):
        return
    message = "Webhook %s answered %s: %s" % (url, resp.status_code,
                                              resp.text)
    if resp.status_code >= 500 or \
            resp.status_code in _RETRYABLE_CLIENT_ERRORS:
        raise RuntimeError(message)
    raise Undeliverable(message)


def noop(ctx, ex_id, data, event, timestamp, **_):
    return None


PUBLISHERS = {"webhook": webhook, "noop": noop}
