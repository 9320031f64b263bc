"""Notification publishers: ``webhook`` POSTs the event as JSON, ``noop``
drops it (both as in Mistral).

A webhook goes out under its own egress policy, ``[notifier]
webhook_denied_cidrs``: an http(s) URL whose host is resolved once,
checked, and connected to at the checked address; no redirect is followed.
"""

import json
import logging

from mistral_clone import config
from mistral_clone.actions import egress

LOG = logging.getLogger(__name__)


def webhook(ctx, ex_id, data, event, timestamp, url=None, headers=None,
            **_):
    # On the first webhook only: requests and urllib3 are about 8 MB.
    from mistral_clone.actions import pinned_http

    pol = egress.policy("notifier", "webhook_denied_cidrs", conf=config.CONF)
    egress.validate_url(url, pol=pol)
    with pinned_http.session(pol) as session:
        resp = session.post(url, data=json.dumps(data),
                            headers=headers or {}, timeout=(3, 10),
                            allow_redirects=False)
    LOG.info("Webhook request url=%s code=%s", url, resp.status_code)
    if resp.status_code not in (200, 201):
        raise RuntimeError(resp.text)


def noop(ctx, ex_id, data, event, timestamp, **_):
    return None


PUBLISHERS = {"webhook": webhook, "noop": noop}
