"""The security context of a request, passed explicitly and across RPC.

Built from the request headers as oslo.context does. As in the real Mistral,
with auth off the project is always ``<default-project>`` (so every client
shares one project), while ``X-Roles`` still feeds the policy checks. With
auth on, keystonemiddleware has validated the token and set the identity
headers itself (dropping any a client sent); the token's service catalog and
expiry come from the token it validated (``keystone.token_info``), Keystone's
address from ``[keystone_authtoken] www_authenticate_uri``.
"""

from oslo_context import context as oslo_context

DEFAULT_PROJECT_ID = "<default-project>"


# What a context built with auth on carries beyond oslo.context's fields;
# None with auth off, and then left out of messages.
KEYSTONE_FIELDS = ("auth_uri", "auth_cacert", "service_catalog",
                   "expires_at", "region_name", "user_name", "project_name",
                   "domain_id", "domain_name", "user_domain_id",
                   "user_domain_name", "project_domain_id",
                   "project_domain_name", "trust_id")

# The fields Mistral 23 adds to oslo.context's in ``$.openstack``, in its
# order (``is_trust_scoped`` follows from ``trust_id``; this service never
# redelivers a context nor runs against a target cloud).
_MISTRAL_FIELDS = ("user_name", "project_name", "domain_name",
                   "user_domain_name", "project_domain_name", "auth_uri",
                   "auth_cacert", "insecure", "service_catalog",
                   "region_name", "is_trust_scoped", "redelivered",
                   "expires_at", "trust_id", "is_target",
                   "root_execution_id")


class RequestContext(oslo_context.RequestContext):
    """oslo.context's context plus Mistral's defaults."""

    insecure = False
    redelivered = False
    is_target = False
    root_execution_id = None

    def __init__(self, project_id=None, auth_uri=None, service_catalog=None,
                 expires_at=None, region_name=None, auth_cacert=None,
                 trust_id=None, **kwargs):
        kwargs.setdefault("project_id", project_id or DEFAULT_PROJECT_ID)
        super().__init__(**kwargs)
        if not self.project_id:
            self.project_id = DEFAULT_PROJECT_ID
        self.auth_uri = auth_uri
        self.service_catalog = service_catalog
        self.expires_at = expires_at
        self.region_name = region_name
        self.auth_cacert = auth_cacert
        self.trust_id = trust_id

    @property
    def is_trust_scoped(self) -> bool:
        return self.trust_id is not None

    @classmethod
    def from_headers(cls, environ, auth_enable, auth_uri=None,
                     auth_cacert=None):
        """The context of a request; ``auth_uri`` is Keystone's public
        address and ``auth_cacert`` the CA file of ``[keystone_authtoken]``,
        with auth on."""
        if not auth_enable:
            ctx = cls.from_environ(environ)
            ctx.project_id = DEFAULT_PROJECT_ID
        else:
            token = (environ.get("keystone.token_info") or {}).get(
                "token") or {}
            ctx = cls.from_environ(
                environ, auth_uri=auth_uri, auth_cacert=auth_cacert,
                service_catalog=token.get("catalog"),
                expires_at=token.get("expires_at"),
                region_name=environ.get("HTTP_X_REGION_NAME"))
        ctx.is_admin = "admin" in [r.lower() for r in ctx.roles]
        return ctx

    def to_dict(self):
        """oslo.context's fields and Mistral's (``$.openstack`` shows them,
        the token and catalog masked)."""
        values = super().to_dict()
        for name in _MISTRAL_FIELDS:
            values[name] = getattr(self, name, None)
        return values

    def to_wire(self):
        wire = {
            "project_id": self.project_id,
            "user_id": self.user_id,
            "roles": list(self.roles),
            "is_admin": self.is_admin,
            "auth_token": self.auth_token,
            "request_id": self.request_id,
        }
        for name in KEYSTONE_FIELDS:
            if getattr(self, name, None) is not None:
                wire[name] = getattr(self, name)
        return wire

    @classmethod
    def from_wire(cls, data):
        data = dict(data or {})
        return cls(project_id=data.get("project_id"),
                   user_id=data.get("user_id"),
                   roles=data.get("roles") or [],
                   is_admin=bool(data.get("is_admin")),
                   auth_token=data.get("auth_token"),
                   request_id=data.get("request_id"),
                   **{name: data[name] for name in KEYSTONE_FIELDS
                      if name in data})


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
