"""Keystone trusts: how a trigger made with auth on acts as its creator.

When a cron or event trigger is created, its creator (the trustor, with the
request's token) gives the service user of ``[keystone_authtoken]`` (the
trustee) a trust: the creator's roles on the creator's project, with
impersonation, as Mistral does. Each firing then authenticates as the
service user scoped to that trust and gets a token that *is* the creator's
(user, project, roles), whatever became of the token that created the
trigger. The trust is deleted with the trigger.

This module is what the services use; the Keystone client behind it
(``_keystone_client``, with keystoneauth and requests) is imported on first
use, so that processes with auth off never load it.

Errors are the user's: ``TrustRefusedError`` (401/403: Keystone refused the
caller or the trust), ``KeystoneUnavailableError`` (503: Keystone did not
answer, or failed; asked again later it may work) and ``ServiceUserError``
(500: the service user's credentials are refused).
"""

import threading
from typing import Optional

from mistral_clone import config
from mistral_clone import context
from mistral_clone import exceptions as exc


class TrustRefusedError(exc.MistralError):
    """Keystone refused: the caller's token (creating a trust) or the
    trust itself (deleted, or its trustor lost the roles)."""

    http_code = 403


class KeystoneUnavailableError(exc.ServiceUnavailableError):
    message = "Keystone did not answer; try again."


class ServiceUserError(exc.MistralError):
    """The service user of ``[keystone_authtoken]`` cannot authenticate:
    the set-up's fault (500), until an operator mends it."""


# What may pass when asked again later.
TRANSIENT = (KeystoneUnavailableError, ServiceUserError)


_shared = None
_shared_lock = threading.Lock()


def shared():
    """This process's ``_keystone_client.Trusts`` (its sessions are its
    token cache)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            # Here, not at the top: only processes with auth on need it.
            from mistral_clone import _keystone_client
            _shared = _keystone_client.Trusts()
        return _shared


def enabled(conf=None) -> bool:
    """Triggers get trusts when authentication is on, as in Mistral."""
    return bool((conf or config.CONF).pecan.auth_enable)


def firing_context(trust_id: Optional[str], project_id: str):
    """The context a trigger's firing runs with: its creator's, from its
    trust, with auth on; with auth off (or a trigger made while it was
    off) the trigger's project only, as before trusts."""
    if trust_id and enabled():
        return shared().context(trust_id, project_id)
    return context.RequestContext(project_id=project_id, is_admin=False)
