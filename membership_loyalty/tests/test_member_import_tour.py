from odoo.tests import HttpCase, tagged

from .test_member_import import MemberImportCommon


@tagged("post_install", "-at_install")
class TestMemberImportTour(MemberImportCommon, HttpCase):
    def test_manager_checks_then_imports_a_file_in_the_browser(self):
        self.start_tour(
            "/odoo/action-membership_loyalty.membership_member_action",
            "membership_loyalty_member_import",
            login=self.manager.login,
        )
        members = self.env["res.partner"].search([("ref", "in", ("TOUR-1", "TOUR-2"))])
        self.assertEqual(len(members), 2)
        self.assertTrue(all(members.mapped("is_member")))
        tess = members.filtered(lambda p: p.ref == "TOUR-1")
        self.assertEqual(tess.phone, "+32470112233")
        self.assertEqual(tess.points_balance, 5.0)
