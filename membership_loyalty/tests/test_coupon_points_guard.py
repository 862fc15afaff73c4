from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .test_card_authority import MembershipRpcMixin

GROUP = "membership_loyalty.membership_loyalty_group_"


@tagged("post_install", "-at_install")
class TestCouponPointsGuard(MembershipRpcMixin, HttpCase):
    """The points of an e-coupon bought with member points are the server's. The addon
    depends on ``loyalty`` only, which gives users no right on coupons; ``pos_loyalty``
    (when installed) lets every POS user write them. Both cases are tried: the second
    with the very rule pos_loyalty adds."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.program, cls.other_program = env["loyalty.program"].create(
            [
                {
                    "name": name,
                    "program_type": "coupons",
                    "reward_ids": [
                        (0, 0, {"reward_type": "discount", "discount": 5, "required_points": 1})
                    ],
                }
                for name in ("Member e-coupon", "Shop coupon")
            ]
        )
        env.company.write(
            {"membership_coupon_program_id": cls.program.id, "membership_coupon_points_cost": 200}
        )
        cls.cashier = new_test_user(
            env,
            login="ml_coupon_cashier",
            groups=f"base.group_user,point_of_sale.group_pos_user,{GROUP}cashier",
        )
        member = env["res.partner"].create({"name": "Cora Coupon", "is_member": True})
        account = env["membership.account"]._membership_get_account(member)
        env["membership.points.move"]._membership_post(
            {
                "account_id": account.id,
                "kind": "adjust",
                "points": 500,
                "idempotency_key": "coupon-guard:points",
            }
        )
        cls.coupon = account._membership_redeem_coupon("coupon-guard:buy").loyalty_card_id
        cls.shop_coupon = env["loyalty.card"].create(
            {"program_id": cls.other_program.id, "partner_id": member.id, "points": 1}
        )

    def _grant_pos_loyalty_rule(self):
        """The access rule pos_loyalty gives POS users on coupons (read and write)."""
        self.env["ir.model.access"].create(
            {
                "name": "Loyalty (PoS User), as pos_loyalty grants it",
                "model_id": self.env.ref("loyalty.model_loyalty_card").id,
                "group_id": self.env.ref("point_of_sale.group_pos_user").id,
                "perm_read": True,
                "perm_write": True,
            }
        )

    def assertPoints(self, coupon, points):
        coupon.invalidate_recordset()
        self.assertEqual(coupon.points, points)

    def test_addon_alone_gives_pos_users_no_right_on_coupons(self):
        pos_loyalty = self.env["ir.module.module"].search([("name", "=", "pos_loyalty")])
        self.assertEqual(
            self.env["loyalty.card"].with_user(self.cashier).has_access("write"),
            pos_loyalty.state == "installed",
            "loyalty alone gives POS users no right on coupons; pos_loyalty gives them write",
        )
        with self.assertRaises(AccessError):
            self.coupon.with_user(self.cashier).write({"points": 50})
        _result, error = self.rpc(
            self.cashier, "loyalty.card", "write", [self.coupon.id], {"points": 50}
        )
        # The guard answers before the access rules: the same refusal either way.
        self.assertRpcRefused(error, "AccessError", "changed by the server only")
        self.assertPoints(self.coupon, 1)

    def test_pos_users_cannot_write_the_points_of_member_coupons(self):
        self._grant_pos_loyalty_rule()
        as_cashier = self.coupon.with_user(self.cashier)
        for vals in ({"points": 50}, {"program_id": self.other_program.id}):
            with self.assertRaisesRegex(AccessError, "changed by the server only"):
                as_cashier.write(vals)
        self.assertPoints(self.coupon, 1)
        # Other coupons keep pos_loyalty's rule: the guard is on the addon's coupons only.
        self.shop_coupon.with_user(self.cashier).write({"points": 2})
        self.assertPoints(self.shop_coupon, 2)
        _result, error = self.rpc(
            self.cashier, "loyalty.card", "write", [self.coupon.id], {"points": 50}
        )
        self.assertRpcRefused(error, "AccessError", "changed by the server only")
        self.assertPoints(self.coupon, 1)

    def test_odoo_code_may_only_use_a_member_coupon(self):
        """pos_loyalty, in sudo, lowers a coupon's points when it is used at the till and
        may be fed a till's numbers: it never adds value to a member coupon."""
        coupon = self.coupon.sudo()
        with self.assertRaisesRegex(AccessError, "changed by the server only"):
            coupon.points += 10
        with self.assertRaisesRegex(AccessError, "changed by the server only"):
            coupon.sudo().create({"program_id": self.program.id, "points": 3})
        coupon.points -= 1  # used at the till
        self.assertPoints(self.coupon, 0)
