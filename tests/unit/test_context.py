"""The request context: with auth off as before; with auth on, what
keystonemiddleware validated (identity headers and the token itself), and
all of it across RPC."""

from mistral_clone import context

CATALOG = [{"type": "workflowv2", "name": "mistral", "endpoints": [
    {"interface": "public", "url": "http://m:8989/v2",
     "region": "RegionOne"}]}]

AUTHENTICATED = {
    "HTTP_X_AUTH_TOKEN": "tok", "HTTP_X_PROJECT_ID": "p1",
    "HTTP_X_USER_ID": "u1", "HTTP_X_ROLES": "member,reader",
    "HTTP_X_PROJECT_NAME": "project-a", "HTTP_X_USER_NAME": "a-member",
    "HTTP_X_REGION_NAME": "RegionOne",
    "keystone.token_info": {"token": {
        "catalog": CATALOG, "expires_at": "2026-12-07T10:00:00.000000Z"}},
}


def test_auth_off_keeps_the_default_project_and_trusts_x_roles():
    headers = {k: v for k, v in AUTHENTICATED.items()
               if "NAME" not in k}
    ctx = context.RequestContext.from_headers(
        dict(headers, HTTP_X_ROLES="admin"), False)
    assert ctx.project_id == context.DEFAULT_PROJECT_ID
    assert ctx.is_admin
    assert ctx.service_catalog is None and ctx.auth_uri is None
    assert sorted(ctx.to_wire()) == ["auth_token", "is_admin", "project_id",
                                     "request_id", "roles", "user_id"]


def test_auth_on_takes_the_validated_token():
    ctx = context.RequestContext.from_headers(
        AUTHENTICATED, True, "http://keystone:5000")
    assert (ctx.project_id, ctx.user_id, ctx.roles, ctx.is_admin) == \
        ("p1", "u1", ["member", "reader"], False)
    assert ctx.auth_token == "tok"
    assert ctx.service_catalog == CATALOG
    assert ctx.expires_at == "2026-12-07T10:00:00.000000Z"
    assert ctx.auth_uri == "http://keystone:5000"
    assert ctx.region_name == "RegionOne"
    assert (ctx.user_name, ctx.project_name) == ("a-member", "project-a")


def test_auth_on_context_crosses_rpc_whole():
    ctx = context.RequestContext.from_headers(
        AUTHENTICATED, True, "http://keystone:5000")
    back = context.RequestContext.from_wire(ctx.to_wire())
    for name in ("project_id", "user_id", "roles", "is_admin", "auth_token",
                 "request_id") + context.KEYSTONE_FIELDS:
        assert getattr(back, name) == getattr(ctx, name), name


def test_admin_role_makes_an_admin():
    ctx = context.RequestContext.from_headers(
        dict(AUTHENTICATED, HTTP_X_ROLES="admin,member,reader"), True)
    assert ctx.is_admin
