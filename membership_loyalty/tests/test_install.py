from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestMembershipInstall(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.cashier = ref("membership_loyalty.membership_loyalty_group_cashier")
        cls.supervisor = ref("membership_loyalty.membership_loyalty_group_supervisor")
        cls.manager = ref("membership_loyalty.membership_loyalty_group_manager")
        cls.admin = ref("membership_loyalty.membership_loyalty_group_admin")
        cls.root_menu = ref("membership_loyalty.membership_loyalty_menu_root")
        cls.settings_menu = ref("membership_loyalty.membership_loyalty_menu_settings")
        cls.config_menu = ref("membership_loyalty.membership_loyalty_menu_config")
        cls.users = {
            group: new_test_user(
                cls.env,
                login=f"ml_{group.id}",
                groups=f"base.group_user,{group.get_external_id()[group.id]}",
            )
            for group in (cls.cashier, cls.supervisor, cls.manager)
        }
        # Odoo keeps res.config.settings to Settings administrators: so do we.
        cls.users[cls.admin] = new_test_user(
            cls.env,
            login="ml_admin",
            groups="base.group_system,membership_loyalty.membership_loyalty_group_admin",
        )
        cls.employee = new_test_user(cls.env, login="ml_plain", groups="base.group_user")

    def test_module_installed(self):
        module = self.env["ir.module.module"].search([("name", "=", "membership_loyalty")])
        self.assertEqual(module.state, "installed")

    def test_groups_chain(self):
        """Each level has every right of the levels below it, and no more."""
        chain = [self.cashier, self.supervisor, self.manager, self.admin]
        for rank, group in enumerate(chain):
            implied = group.all_implied_ids
            for lower in chain[:rank]:
                self.assertIn(lower, implied, f"{group.name} should imply {lower.name}")
            for higher in chain[rank + 1 :]:
                self.assertNotIn(higher, implied, f"{group.name} must not imply {higher.name}")
        self.assertIn(self.env.ref("point_of_sale.group_pos_user"), self.cashier.all_implied_ids)
        self.assertEqual({g.privilege_id.name for g in chain}, {"Membership Loyalty"})

    def test_users_get_levels_below(self):
        manager_user = self.users[self.manager]
        self.assertTrue(
            manager_user.has_group("membership_loyalty.membership_loyalty_group_cashier")
        )
        self.assertTrue(
            manager_user.has_group("membership_loyalty.membership_loyalty_group_supervisor")
        )
        self.assertFalse(
            manager_user.has_group("membership_loyalty.membership_loyalty_group_admin")
        )

    def _visible(self, user):
        return set(self.env["ir.ui.menu"].with_user(user)._visible_menu_ids())

    def test_menu_visible_to_each_group(self):
        for user in self.users.values():
            self.assertIn(self.root_menu.id, self._visible(user), user.login)
        self.assertNotIn(self.root_menu.id, self._visible(self.employee))

    def test_configuration_menus_follow_levels(self):
        visible = {group: self._visible(user) for group, user in self.users.items()}
        for group in (self.cashier, self.supervisor, self.manager):
            self.assertNotIn(self.settings_menu.id, visible[group], group.name)
        self.assertNotIn(self.config_menu.id, visible[self.cashier])
        self.assertNotIn(self.config_menu.id, visible[self.supervisor])
        # Managers configure tiers and card types under Configuration, without Settings.
        tiers_menu = self.env.ref("membership_loyalty.membership_loyalty_menu_tiers")
        card_types_menu = self.env.ref("membership_loyalty.membership_loyalty_menu_card_types")
        self.assertIn(self.config_menu.id, visible[self.manager])
        self.assertIn(tiers_menu.id, visible[self.manager])
        self.assertIn(card_types_menu.id, visible[self.manager])
        self.assertNotIn(tiers_menu.id, visible[self.supervisor])
        self.assertIn(self.settings_menu.id, visible[self.admin])
        self.assertIn(self.config_menu.id, visible[self.admin])

    def test_settings_saved_per_company(self):
        settings = self.env["res.config.settings"].create(
            {"membership_inactive_days": 45, "membership_cashier_refund_limit": 250.0}
        )
        settings.execute()
        self.assertEqual(self.env.company.membership_inactive_days, 45)
        self.assertEqual(self.env.company.membership_cashier_refund_limit, 250.0)

    def test_settings_reject_negative_values(self):
        with self.assertRaises(ValidationError):
            self.env.company.membership_inactive_days = -5
            self.env.flush_all()
