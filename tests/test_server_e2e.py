"""End to end: the real Odoo server, reached over HTTP like a browser or a till would."""

import uuid

import requests
from e2e_support import Odoo


def test_login_page_answers(odoo_server):
    response = requests.get(f"{odoo_server['url']}/web/login", timeout=30)
    assert response.status_code == 200
    assert 'name="login"' in response.text


def test_membership_app_visible_to_a_cashier_only_once_given_the_level(odoo_server):
    admin = Odoo(odoo_server)
    login = f"e2e_cashier_{uuid.uuid4().hex[:8]}"
    ref = "ir.model.data", "check_object_reference"
    cashier_group = admin.call(*ref, "membership_loyalty", "membership_loyalty_group_cashier")[1]
    employee_group = admin.call(*ref, "base", "group_user")[1]
    user_id = admin.call(
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
        cashier = Odoo(odoo_server, login, login)
        assert cashier.uid == user_id
        menus = cashier.call("ir.ui.menu", "load_menus", False)
        return {menus[str(mid)]["name"] for mid in menus["root"]["children"]}

    assert "Membership" not in app_names()
    admin.call("res.users", "write", [user_id], {"group_ids": [(4, cashier_group)]})
    assert "Membership" in app_names()
