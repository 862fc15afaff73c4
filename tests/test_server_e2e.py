"""End to end: the real Odoo server, reached over HTTP like a browser or a till would."""

import uuid

import requests


def _rpc(base, service, method, *args):
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "params": {"service": service, "method": method, "args": list(args)},
        "id": uuid.uuid4().hex,
    }
    reply = requests.post(f"{base}/jsonrpc", json=payload, timeout=60).json()
    assert "error" not in reply, reply.get("error")
    return reply["result"]


def _execute(server, uid, password, model, method, *args, **kwargs):
    return _rpc(
        server["url"],
        "object",
        "execute_kw",
        server["db"],
        uid,
        password,
        model,
        method,
        list(args),
        kwargs,
    )


def test_login_page_answers(odoo_server):
    response = requests.get(f"{odoo_server['url']}/web/login", timeout=30)
    assert response.status_code == 200
    assert 'name="login"' in response.text


def test_membership_app_visible_to_a_cashier_only_once_given_the_level(odoo_server):
    db = odoo_server["db"]
    admin_uid = _rpc(odoo_server["url"], "common", "login", db, "admin", "admin")
    assert admin_uid, "admin / admin must log in"
    login = f"e2e_cashier_{uuid.uuid4().hex[:8]}"
    cashier_group = _execute(
        odoo_server,
        admin_uid,
        "admin",
        "ir.model.data",
        "check_object_reference",
        "membership_loyalty",
        "membership_loyalty_group_cashier",
    )[1]
    employee_group = _execute(
        odoo_server,
        admin_uid,
        "admin",
        "ir.model.data",
        "check_object_reference",
        "base",
        "group_user",
    )[1]
    user_id = _execute(
        odoo_server,
        admin_uid,
        "admin",
        "res.users",
        "create",
        {
            "name": "E2E Cashier",
            "login": login,
            "password": login,
            "group_ids": [(6, 0, [employee_group])],
        },
    )

    def app_names():
        uid = _rpc(odoo_server["url"], "common", "login", db, login, login)
        assert uid == user_id
        menus = _execute(odoo_server, uid, login, "ir.ui.menu", "load_menus", False)
        return {menus[str(mid)]["name"] for mid in menus["root"]["children"]}

    assert "Membership" not in app_names()
    _execute(
        odoo_server,
        admin_uid,
        "admin",
        "res.users",
        "write",
        [user_id],
        {"group_ids": [(4, cashier_group)]},
    )
    assert "Membership" in app_names()
