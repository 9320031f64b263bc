"""Notification publishers: ``webhook`` POSTs the event as JSON, ``noop``
drops it (both as in Mistral)."""

import json
import logging

from mistral_clone.actions import egress

LOG = logging.getLogger(__name__)


def webhook(ctx, ex_id, data, event, timestamp, url=None, headers=None,
            **_):
    import requests  # on the first webhook only: about 8 MB of imports

    egress.validate_url(url)
    resp = requests.post(url, data=json.dumps(data), headers=headers or {},
                         timeout=(3, 10), allow_redirects=False)
    LOG.info("Webhook request url=%s code=%s", url, resp.status_code)
    if resp.status_code not in (200, 201):
        raise RuntimeError(resp.text)


def noop(ctx, ex_id, data, event, timestamp, **_):
    return None


PUBLISHERS = {"webhook": webhook, "noop": noop}
