"""std.http and std.mistral_http: one HTTP request with ``requests``.

The result is the dict real Mistral returns (content, status, headers, url,
history, encoding, reason, cookies, elapsed); a status outside 200..306
makes it the *error* result, so ``on-error`` sees the whole response.
Before any traffic the URL (and, when redirects are followed, each redirect
target) passes the egress policy of ``[action_std_http]``, and every socket
(to the URL's host, a redirect's or the proxy) is opened at an address
that policy checked (``mistral_clone.actions.pinned_http``).
"""

from __future__ import annotations

import json as jsonlib
import logging
from typing import TYPE_CHECKING, Any, Optional
from urllib import parse

from mistral_clone import exceptions as exc
from mistral_clone.actions import egress, opts
from mistral_clone.actions.base import Action, ActionContext, ActionResult

if TYPE_CHECKING:
    import requests

LOG = logging.getLogger(__name__)

_SUCCESS_STATUSES = range(200, 307)
_READ_CHUNK = 64 * 1024
# Real Mistral serializes each redirect response of ``history`` by iterating
# it, which yields its body in 128-byte pieces; the clone keeps that shape.
_HISTORY_CHUNK = 128


def _parse_auth(auth: Any) -> Any:
    """"user:password" (exactly one colon) becomes a basic-auth pair."""
    if isinstance(auth, str) and len(auth.split(':')) == 2:
        user, password = auth.split(':')
        return user, password
    if isinstance(auth, list) and len(auth) == 2:
        return tuple(auth)
    return auth


def _decode(raw: bytes, encoding: Optional[str]) -> str:
    try:
        return raw.decode(encoding or 'utf-8', errors='replace')
    except LookupError:
        return raw.decode('utf-8', errors='replace')


class HTTPAction(Action):
    """Sends an HTTP request and returns the response as a dict.

    ``auth`` may be "user:password" for basic auth; ``body`` (a dict is
    sent as JSON text) and ``json`` exclude each other; ``timeout`` falls
    back to ``[action_std_http] default_timeout``; ``verify`` applies to
    https URLs only.
    """

    class_path = 'mistral.actions.std_actions.HTTPAction'

    def __init__(self, url, method="GET", params=None, body=None, json=None,
                 headers=None, cookies=None, auth=None, timeout=None,
                 allow_redirects=None, proxies=None, verify=None):
        if body and json:
            raise exc.ActionError(
                "Only one of the parameters 'json' and 'body' can be passed"
            )
        if isinstance(headers, dict):
            headers = {
                key: str(val) if isinstance(val, (int, float))
                and not isinstance(val, bool) else val
                for key, val in headers.items()
            }
        self.url = url
        self.method = method
        self.params = params
        self.body = jsonlib.dumps(body) if isinstance(body, dict) else body
        self.json = json
        self.headers = headers
        self.cookies = cookies
        self.auth = _parse_auth(auth)
        self.timeout = timeout
        self.allow_redirects = allow_redirects
        self.proxies = proxies
        self.verify = verify

    def _log_request(self, conf) -> None:
        if not LOG.isEnabledFor(logging.INFO):
            return
        hidden = {h.lower() for h in conf.action_logging.sensitive_headers}
        hidden.update(('authorization', 'cookie', 'x-auth-token'))
        headers = {
            key: '***' if str(key).lower() in hidden else val
            for key, val in (self.headers or {}).items()
        } if isinstance(self.headers, dict) else self.headers
        body = self.body if self.json is None else self.json
        if conf.action_logging.hide_request_body and body is not None:
            body = '<hidden>'
        LOG.info(
            'Running HTTP action [url=%s, method=%s, headers=%s, body=%s, '
            'auth=%s, cookies=%s, timeout=%s, allow_redirects=%s]',
            self.url, self.method, headers, body,
            '***' if self.auth else None, '***' if self.cookies else None,
            self.timeout, self.allow_redirects
        )

    @staticmethod
    def _redirect_guard(pol):
        def check(resp, *args, **kwargs):
            if resp.is_redirect:
                target = parse.urljoin(resp.url, resp.headers['location'])
                egress.validate_url(target, pol=pol)
        return check

    def run(self, ctx: ActionContext) -> Any:
        conf = opts.get_conf()
        pol = egress.http_policy(conf)
        egress.validate_url(self.url, pol=pol)
        self._log_request(conf)

        timeout = self.timeout
        if timeout is None:
            timeout = conf.action_std_http.default_timeout or None
        verify = self.verify if parse.urlsplit(self.url).scheme == 'https' \
            else None
        hooks = {}
        if self.allow_redirects:
            hooks['response'] = [self._redirect_guard(pol)]

        # requests (with urllib3, charset_normalizer, idna, certifi) is
        # imported on the first HTTP action, not by every process.
        from mistral_clone.actions import pinned_http

        with pinned_http.session(pol) as session:
            try:
                resp = session.request(
                    self.method, self.url, params=self.params,
                    data=self.body, json=self.json, headers=self.headers,
                    cookies=self.cookies, auth=self.auth, timeout=timeout,
                    allow_redirects=self.allow_redirects,
                    proxies=self.proxies, verify=verify, hooks=hooks,
                    stream=True,
                )
            except exc.UrlNotAllowedError:
                raise
            except Exception as e:
                raise exc.ActionError('Failed to send HTTP request: %s' % e)

            try:
                raw = self._read_body(resp, conf.action_std_http
                                      .max_response_size_bytes)
            finally:
                resp.close()

        result = self._to_result(resp, raw, conf)
        if resp.status_code not in _SUCCESS_STATUSES:
            return ActionResult(error=result)
        return result

    @staticmethod
    def _read_body(resp: requests.Response, limit: int) -> bytes:
        declared = resp.headers.get('Content-Length')
        if limit and declared and declared.isdigit() and int(declared) > limit:
            raise exc.ActionError(
                'HTTP response is too large (Content-Length=%s, '
                'limit=%s bytes).' % (declared, limit)
            )
        chunks, size = [], 0
        try:
            for chunk in resp.iter_content(_READ_CHUNK):
                size += len(chunk)
                if limit and size > limit:
                    raise exc.ActionError(
                        'HTTP response is too large (body exceeds '
                        'limit=%s bytes).' % limit
                    )
                chunks.append(chunk)
        except exc.ActionError:
            raise
        except Exception as e:
            raise exc.ActionError('Failed to send HTTP request: %s' % e)
        return b''.join(chunks)

    @staticmethod
    def _to_result(resp: requests.Response, raw: bytes, conf) -> dict:
        try:
            if resp.encoding:
                content = jsonlib.loads(_decode(raw, resp.encoding))
            else:
                content = jsonlib.loads(raw)
        except (ValueError, UnicodeDecodeError):
            content = _decode(raw, resp.encoding)

        if not conf.action_logging.hide_response_body:
            LOG.info('HTTP action response: %s %.1024s', resp.status_code,
                     content)

        return {
            'content': content,
            'status': resp.status_code,
            'headers': dict(resp.headers.items()),
            'url': resp.url,
            'history': [
                [_decode(h.content[i:i + _HISTORY_CHUNK], h.encoding)
                 for i in range(0, len(h.content), _HISTORY_CHUNK)]
                for h in resp.history
            ],
            'encoding': resp.encoding,
            'reason': resp.reason,
            'cookies': dict(resp.cookies.items()),
            'elapsed': resp.elapsed.total_seconds(),
        }

    def test(self, ctx: ActionContext) -> None:
        return None


class MistralHTTPAction(HTTPAction):
    """std.http plus headers naming the execution, for calls back to Mistral.

    Asynchronous: the called service is expected to deliver the result later
    through ``PUT /v2/action_executions/<Mistral-Action-Execution-Id>``
    (the ``Mistral-Callback-URL`` header). A failed request still fails the
    action at once.
    """

    class_path = 'mistral.actions.std_actions.MistralHTTPAction'

    def run(self, ctx: ActionContext) -> Any:
        extra = {
            'Mistral-Workflow-Name': ctx.workflow_name,
            'Mistral-Workflow-Execution-Id': ctx.workflow_execution_id,
            'Mistral-Task-Id': ctx.task_execution_id,
            'Mistral-Action-Execution-Id': ctx.action_execution_id,
            'Mistral-Callback-URL': ctx.callback_url,
        }
        headers = dict(self.headers or {})
        headers.update({k: v for k, v in extra.items() if v is not None})
        self.headers = headers
        return super().run(ctx)

    def is_sync(self) -> bool:
        return False
