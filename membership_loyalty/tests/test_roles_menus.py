"""Every menu of the addon opens for every level that sees it: what a level may not use is
hidden, never an access error."""

from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from odoo.addons.membership_loyalty.tests.common import GROUP, level_users

VIEW_TYPES = ("list", "kanban", "form", "pivot", "graph")
RELATIONAL = ("many2one", "one2many", "many2many")


@tagged("post_install", "-at_install")
class TestEveryLevelWalksItsMenus(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        company = env.company
        # A deposit card: its form holds accounting payments a supervisor must not need.
        card_type = env["membership.card.type"].create(
            {"name": "Deposit", "charge_type": "deposit", "amount": 5.0}
        )
        env["membership.tier"].create(
            {"name": "Bronze", "threshold": 0, "card_type_id": card_type.id}
        )
        member = env["res.partner"].create({"name": "Walker Member", "is_member": True})
        bank = env["account.journal"].search(
            [("type", "in", ("bank", "cash")), ("company_id", "=", company.id)], limit=1
        )
        card = env["membership.card"]._membership_issue(member, card_type, company, journal=bank)
        card._membership_transition("report_lost", "Walked away")
        account = env["membership.account"]._membership_get_account(member, company)
        env["membership.points.move"]._membership_post(
            {"account_id": account.id, "kind": "adjust", "points": 10, "idempotency_key": "walk"}
        )
        users = level_users(
            env,
            "ml_walk",
            ("cashier", "supervisor", "manager"),
            company_id=company.id,
            company_ids=[(6, 0, company.ids)],
        )
        users["admin"] = new_test_user(
            env,
            login="ml_walk_admin",
            groups=f"base.group_user,base.group_system,{GROUP}admin",
            company_id=company.id,
            company_ids=[(6, 0, company.ids)],
        )
        cls.users = users

    def _membership_menus(self, user):
        root = self.env.ref("membership_loyalty.membership_loyalty_menu_root")
        menus = self.env["ir.ui.menu"].with_user(user).load_menus(debug=False)
        return {
            menu["xmlid"] or menu["name"]: menu
            for menu in menus.values()
            if isinstance(menu, dict) and menu.get("app_id") == root.id
        }

    def _spec(self, fields_info, names):
        spec = {}
        for name in names:
            if fields_info[name]["type"] in RELATIONAL:
                spec[name] = {"fields": {"display_name": {}}}
            else:
                spec[name] = {}
        return spec

    def _view_fields(self, arch):
        """Names of the fields of a view's own model (not of its x2many sub-views)."""
        root = etree.fromstring(arch)
        return {
            node.get("name")
            for node in root.iter("field")
            if not any(parent.tag == "field" for parent in node.iterancestors())
        }

    def _walk_action(self, user, action):
        env = self.env(user=user)
        Model = env[action.res_model]
        eval_context = {
            **env["ir.actions.actions"]._get_eval_context(action),
            "active_id": False,
            "active_ids": [],
        }
        domain = safe_eval(action.domain or "[]", eval_context)
        context = safe_eval(action.context or "{}", eval_context)
        Model = Model.with_context(**{k: v for k, v in context.items() if isinstance(k, str)})
        modes = [mode for mode in action.view_mode.split(",") if mode in VIEW_TYPES]
        views = {view_type: view_id for view_id, view_type in action.views}
        result = Model.get_views(
            [(views.get(mode) or False, mode) for mode in modes]
            + [(action.search_view_id.id or False, "search")],
            {"load_filters": True, "toolbar": True, "action_id": action.id},
        )
        fields_info = result["models"][action.res_model]["fields"]
        for mode in modes:
            names = self._view_fields(result["views"][mode]["arch"]) & set(fields_info)
            spec = self._spec(fields_info, names)
            if mode in ("list", "kanban"):
                Model.web_search_read(domain, spec, limit=80)
            elif mode == "form":
                records = Model.search(domain, limit=1)
                if records and not Model._transient:
                    records.web_read(spec)
                elif Model.has_access("create"):  # else the client offers no New
                    Model.onchange({}, [], spec)
            else:
                groupby, aggregates = self._grouping(result["views"][mode]["arch"], fields_info)
                Model.formatted_read_group(domain, groupby, aggregates)

    def _grouping(self, arch, fields_info):
        """Group-by and aggregates a pivot or graph view asks for."""
        groupby, aggregates = [], ["__count"]
        for node in etree.fromstring(arch).iter("field"):
            name = node.get("name")
            if name not in fields_info:
                continue
            if node.get("type") == "measure" and fields_info[name].get("aggregator"):
                aggregates.append(f"{name}:{fields_info[name]['aggregator']}")
            elif node.get("type") in ("row", "col") and not node.get("interval"):
                groupby.append(name)
        return groupby[:1], aggregates

    def test_every_level_opens_every_menu_it_sees(self):
        failures = []
        seen = {}
        for level, user in self.users.items():
            menus = self._membership_menus(user)
            seen[level] = set(menus)
            for key, menu in menus.items():
                if menu["action_model"] != "ir.actions.act_window":
                    continue
                action = self.env["ir.actions.act_window"].browse(menu["action_id"])
                try:
                    with self.env.cr.savepoint():
                        self._walk_action(user, action)
                except AccessError as error:
                    failures.append(f"{level} > {key} ({action.res_model}): {error}")
        self.assertFalse(failures, "\n".join(failures))
        # The walk saw the levels' menus: more for each level up.
        self.assertIn("membership_loyalty.membership_loyalty_menu_member_list", seen["cashier"])
        self.assertLessEqual(seen["cashier"], seen["supervisor"])
        self.assertLessEqual(seen["supervisor"], seen["manager"])
        self.assertLessEqual(seen["manager"], seen["admin"])
        self.assertIn("membership_loyalty.membership_loyalty_menu_reporting", seen["manager"])
        self.assertNotIn("membership_loyalty.membership_loyalty_menu_reporting", seen["cashier"])
        self.assertIn("membership_loyalty.membership_loyalty_menu_settings", seen["admin"])
        self.assertNotIn("membership_loyalty.membership_loyalty_menu_settings", seen["manager"])
