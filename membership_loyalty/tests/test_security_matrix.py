"""The access matrix in readme/SECURITY.md is computed from the installed rights.

The test fails when the file differs from what ir.model.access and ir.rule grant today;
it prints the expected text. To rewrite the file after changing rights:

    MEMBERSHIP_WRITE_SECURITY_MATRIX=1 /work/wt/bin/wtest \\
        membership_loyalty/tests/test_security_matrix.py -q
"""

import os
from pathlib import Path

from odoo.tests import TransactionCase, tagged

MODULE = "membership_loyalty"
MATRIX_FILE = Path(__file__).resolve().parent.parent / "readme" / "SECURITY.md"
LEVELS = [
    ("Cashier", "membership_loyalty.membership_loyalty_group_cashier"),
    ("Supervisor", "membership_loyalty.membership_loyalty_group_supervisor"),
    ("Manager", "membership_loyalty.membership_loyalty_group_manager"),
    ("Administrator", "membership_loyalty.membership_loyalty_group_admin"),
]
PERMS = [("r", "perm_read"), ("w", "perm_write"), ("c", "perm_create"), ("u", "perm_unlink")]

HEADER = """\
# Access by level

Generated from the installed rights (`ir.model.access`, `ir.rule`) by
`tests/test_security_matrix.py`; do not edit by hand: after changing rights, rerun that
test with `MEMBERSHIP_WRITE_SECURITY_MATRIX=1` to rewrite this file.

Each level is an internal user with that Membership level and the groups it implies
(Cashier implies Point of Sale User; each level has the rights of the levels below).
Letters: **r** read, **w** write, **c** create, **u** unlink; `-` no access. Record rules
then narrow which rows a level sees (below). Models are those of the addon and the
other models it grants rights on.
"""


@tagged("post_install", "-at_install")
class TestSecurityMatrix(TransactionCase):
    def _module_records(self, model):
        return self.env[model].browse(
            self.env["ir.model.data"]
            .search([("module", "=", MODULE), ("model", "=", model)])
            .mapped("res_id")
        )

    def _models(self):
        own = self._module_records("ir.model").filtered(
            lambda m: m.model in self.env and not self.env[m.model]._abstract
        )
        granted = self._module_records("ir.model.access").mapped("model_id")
        return (own | granted).sorted("model")

    def _level_groups(self, xmlid):
        group = self.env.ref(xmlid)
        return group | group.all_implied_ids | self.env.ref("base.group_user")

    def _letters(self, accesses):
        return (
            "".join(
                letter if any(access[perm] for access in accesses) else "" for letter, perm in PERMS
            )
            or "-"
        )

    def _matrix(self):
        models = self._models()
        accesses = self.env["ir.model.access"].search([("model_id", "in", models.ids)])
        lines = [
            "## Model access",
            "",
            "| Model | " + " | ".join(name for name, _xmlid in LEVELS) + " |",
            "|---|" + "---|" * len(LEVELS),
        ]
        level_groups = [self._level_groups(xmlid) for _name, xmlid in LEVELS]
        for model in models:
            cells = []
            for groups in level_groups:
                applying = accesses.filtered(
                    lambda a, m=model, g=groups: (
                        a.model_id == m and (not a.group_id or a.group_id in g)
                    )
                )
                cells.append(self._letters(applying))
            lines.append(f"| `{model.model}` | " + " | ".join(cells) + " |")
        lines += ["", "## Record rules (of the addon)", ""]
        lines += ["| Model | Applies to | Domain | r w c u |", "|---|---|---|---|"]
        rules = self._module_records("ir.rule").sorted(lambda r: (r.model_id.model, r.name))
        for rule in rules:
            groups = ", ".join(sorted(rule.groups.mapped("name"))) or "everyone (global)"
            domain = " ".join((rule.domain_force or "").split()).replace("|", "\\|")
            modes = " ".join(letter if rule[perm] else "-" for letter, perm in PERMS)
            lines.append(f"| `{rule.model_id.model}` | {groups} | `{domain}` | {modes} |")
        return HEADER + "\n" + "\n".join(lines) + "\n"

    def test_readme_matrix_is_the_installed_rights(self):
        expected = self._matrix()
        if os.environ.get("MEMBERSHIP_WRITE_SECURITY_MATRIX"):
            MATRIX_FILE.write_text(expected)
        current = MATRIX_FILE.read_text() if MATRIX_FILE.exists() else ""
        self.assertEqual(
            current,
            expected,
            f"{MATRIX_FILE} is not the installed rights; expected text:\n{expected}",
        )

    def test_every_company_model_has_a_company_rule(self):
        """Multi-company: rows of another company are hidden from every level."""
        rules = self.env["ir.rule"].search([("global", "=", True)])
        missing = []
        for model in self._models():
            Model = self.env[model.model]
            if "company_id" not in Model._fields or Model._transient:
                continue
            own = rules.filtered(
                lambda r, m=model: r.model_id == m and "company_ids" in (r.domain_force or "")
            )
            if not own:
                missing.append(model.model)
        self.assertEqual(missing, [], "models without a global company rule")

    def test_tier_discounts_of_another_company_are_hidden(self):
        other = self.env["res.company"].create({"name": "Matrix other shop"})
        tier = self.env["membership.tier"].create({"name": "Other gold", "company_id": other.id})
        category = self.env["product.category"].create({"name": "Matrix tea"})
        discount = self.env["membership.tier.discount"].create(
            {"tier_id": tier.id, "category_id": category.id, "discount": 5}
        )
        cashier = self.env["res.users"].create(
            {
                "name": "Matrix cashier",
                "login": "matrix_cashier",
                "group_ids": [(6, 0, self._level_groups(LEVELS[0][1]).ids)],
            }
        )
        self.assertNotIn(
            discount, self.env["membership.tier.discount"].with_user(cashier).search([])
        )
        self.assertIn(discount, self.env["membership.tier.discount"].search([]))
