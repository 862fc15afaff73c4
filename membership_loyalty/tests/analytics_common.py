from freezegun import freeze_time

from odoo.tests import new_test_user

from odoo.addons.point_of_sale.tests.common import CommonPosTest

from .common import GROUP, level_users


class AnalyticsCommon(CommonPosTest):
    """Members and real paid POS orders for the report, segment and campaign tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.group_ids += cls.env.ref(f"{GROUP}manager")
        cls.product = cls.twenty_dollars_no_tax.product_variant_id
        cls.other_product = cls.ten_dollars_no_tax.product_variant_id
        users = level_users(cls.env, "an", ("cashier", "supervisor", "manager"))
        cls.cashier, cls.supervisor, cls.manager = users.values()
        cls.seller_1 = new_test_user(cls.env, login="an_seller_1", groups="base.group_user")
        cls.seller_2 = new_test_user(cls.env, login="an_seller_2", groups="base.group_user")

    @classmethod
    def make_member(cls, name, **vals):
        return cls.env["res.partner"].create(
            {"name": name, "is_member": True, "company_id": cls.company.id, **vals}
        )

    @classmethod
    def pay(cls, partner, amount, when, product=None, qty=1):
        """A paid POS order of ``amount`` (one line, no tax) for ``partner`` at ``when``."""
        product = product or cls.product
        with freeze_time(when):
            order, _refund = cls.create_backend_pos_order(
                cls,
                {
                    "line_data": [
                        {"product_id": product.id, "price_unit": amount / qty, "qty": qty}
                    ],
                    "payment_data": [{"payment_method_id": cls.cash_payment_method.id}],
                    "order_data": {"partner_id": partner.id if partner else False},
                },
            )
        return order

    @classmethod
    def refund(cls, order, when):
        with freeze_time(when):
            action = order.refund()
            refund = cls.env["pos.order"].browse(action["res_id"])
            ctx = {"active_ids": refund.ids, "active_id": refund.id}
            payment = (
                cls.env["pos.make.payment"]
                .with_context(**ctx)
                .create({"payment_method_id": cls.cash_payment_method.id})
            )
            payment.with_context(**ctx).check()
        return refund
