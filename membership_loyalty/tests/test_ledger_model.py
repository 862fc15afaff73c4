import random

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import MembershipLedgerCommon


@tagged("post_install", "-at_install")
class TestLedgerAgainstModel(MembershipLedgerCommon):
    """A seeded random run of operations, checked against a plain Python model."""

    def test_random_operations_match_the_model(self):
        rng = random.Random(20261123)
        self.env["membership.wallet.bonus.rule"].create({"amount_from": 200, "bonus_amount": 10})
        self.company.membership_points_expiry_months = 0
        model = {"paid": 0.0, "bonus": 0.0, "points": 0.0}
        posted = {}  # key -> model deltas, to replay keys and check nothing changes
        account = self.account

        def apply(key, deltas):
            for name, value in deltas.items():
                model[name] = round(model[name] + value, 2)
            posted[key] = deltas

        for step in range(150):
            op = rng.choice(["topup", "spend", "earn", "redeem", "refund", "replay"])
            key = f"model:{step}"
            amount = round(rng.choice([rng.uniform(-50, 400), rng.uniform(0, 60)]), 2)
            if op == "replay" and posted:
                old_key = rng.choice(sorted(posted))
                before = dict(model)
                move = self.env["membership.wallet.move"].search(
                    [("idempotency_key", "=", old_key)]
                ) or self.env["membership.points.move"].search([("idempotency_key", "=", old_key)])
                if move._name == "membership.wallet.move" and move.kind == "topup":
                    account._membership_wallet_topup(move.paid_amount, old_key)
                elif move._name == "membership.points.move" and move.kind == "earn":
                    account._membership_points_earn(move.points, old_key)
                self.assertEqual(model, before)
                continue
            if op == "topup":
                ok = 0 < amount <= 1000
                deltas = {"paid": amount, "bonus": 10.0 if amount >= 200 else 0.0}
                call = lambda a=amount, k=key: account._membership_wallet_topup(a, k)  # noqa: E731
            elif op == "spend":
                ok = 0 < amount <= round(model["paid"] + model["bonus"], 2)
                paid = min(amount, model["paid"])
                deltas = {"paid": -paid, "bonus": -round(amount - paid, 2)}
                call = lambda a=amount, k=key: account._membership_wallet_spend(a, k)  # noqa: E731
            elif op == "refund":
                ok = amount > 0
                deltas = {"paid": amount}
                call = lambda a=amount, k=key: account._membership_wallet_refund(a, k)  # noqa: E731
            elif op == "earn":
                ok = amount > 0
                deltas = {"points": amount}
                call = lambda a=amount, k=key: account._membership_points_earn(a, k)  # noqa: E731
            else:
                ok = 0 < amount <= model["points"]
                deltas = {"points": -amount}
                call = lambda a=amount, k=key: account._membership_points_redeem(a, k)  # noqa: E731
            if ok:
                call()
                apply(key, deltas)
            else:
                with self.assertRaises(UserError, msg=f"step {step}: {op} {amount}"):
                    call()
            self.assertAlmostEqual(account.wallet_paid_balance, model["paid"], 2, f"step {step}")
            self.assertAlmostEqual(account.wallet_bonus_balance, model["bonus"], 2, f"step {step}")
            self.assertAlmostEqual(account.points_balance, model["points"], 2, f"step {step}")
        self.assertLedgerConsistent()
        self.assertGreater(len(posted), 50, "the run must actually post")
