"""The security context of a request, passed explicitly and across RPC.

Built from the request headers as oslo.context does. As in the real Mistral,
with auth off the project is always ``<default-project>`` (so every client
shares one project), while ``X-Roles`` still feeds the policy checks.
"""

from oslo_context import context as oslo_context

DEFAULT_PROJECT_ID = "<default-project>"


class RequestContext(oslo_context.RequestContext):
    """oslo.context's context plus Mistral's defaults."""

    def __init__(self, project_id=None, **kwargs):
        kwargs.setdefault("project_id", project_id or DEFAULT_PROJECT_ID)
        super().__init__(**kwargs)
        if not self.project_id:
            self.project_id = DEFAULT_PROJECT_ID

    @classmethod
    def from_headers(cls, environ, auth_enable):
        ctx = cls.from_environ(environ)
        if not auth_enable:
            ctx.project_id = DEFAULT_PROJECT_ID
        ctx.is_admin = "admin" in [r.lower() for r in ctx.roles]
        return ctx

    def to_wire(self):
        return {
            "project_id": self.project_id,
            "user_id": self.user_id,
            "roles": list(self.roles),
            "is_admin": self.is_admin,
            "auth_token": self.auth_token,
            "request_id": self.request_id,
        }

    @classmethod
    def from_wire(cls, data):
        data = dict(data or {})
        return cls(project_id=data.get("project_id"),
                   user_id=data.get("user_id"),
                   roles=data.get("roles") or [],
                   is_admin=bool(data.get("is_admin")),
                   auth_token=data.get("auth_token"),
                   request_id=data.get("request_id"))


def caller_key(ctx) -> tuple:
    """What makes two contexts the same caller (the request id does not):
    the work of one caller may share an engine step or a message."""
    if ctx is None:
        return ()
    return (ctx.project_id, ctx.user_id, tuple(ctx.roles or ()),
            bool(ctx.is_admin), ctx.auth_token)


def group_by_caller(pairs, extra_key=None) -> list:
    """``[(ctx, [items])]`` of ``(ctx, item)`` pairs: one entry per caller
    (and per ``extra_key(item)`` when given), in first-seen order, with the
    first context seen for it."""
    groups = {}
    for ctx, item in pairs:
        key = (caller_key(ctx), extra_key(item) if extra_key else None)
        groups.setdefault(key, (ctx, []))[1].append(item)
    return list(groups.values())


def admin_context():
    """The context of the services' own work (scheduler, recovery)."""
    return RequestContext(is_admin=True, roles=["admin"])
