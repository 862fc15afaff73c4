"""`odoo-bin shell` scripts of the adoption tests: a shop's own data made with Odoo alone,
the snapshots compared before and after installing, upgrading or uninstalling the addon.

Each script runs as the superuser in a shell where ``result(value)`` hands ``value`` back."""

# Selling at a till, as the POS does (`pos.order.sync_from_ui`), and closing its session
# with the counted cash: Odoo alone, so it runs with or without the addon.
TILL = """
from uuid import uuid4
from odoo import fields

admin_env = env(user=env.ref("base.user_admin"))


def shop_till():
    return admin_env["pos.config"].search([("name", "=", "Shop till")], limit=1)


def sell(config, partner, lines, method=None):
    if not config.current_session_id:
        config.open_ui()
    session = config.current_session_id
    method = method or config.payment_method_ids.filtered("is_cash_count")[:1]
    total = sum(product.lst_price * qty for product, qty in lines)
    uuid = str(uuid4())
    admin_env["pos.order"].sync_from_ui([{
        "uuid": uuid,
        "name": f"Shop order {uuid[:8]}",
        "session_id": session.id,
        "partner_id": partner.id if partner else False,
        "user_id": admin_env.uid,
        "pricelist_id": config.pricelist_id.id,
        "date_order": fields.Datetime.to_string(fields.Datetime.now()),
        "amount_total": total, "amount_paid": total, "amount_tax": 0.0, "amount_return": 0.0,
        "state": "paid",
        "lines": [[0, 0, {
            "product_id": product.id, "qty": qty, "price_unit": product.lst_price,
            "price_subtotal": product.lst_price * qty,
            "price_subtotal_incl": product.lst_price * qty,
            "discount": 0.0, "tax_ids": [], "full_product_name": product.name,
        }] for product, qty in lines],
        "payment_ids": [[0, 0, {"amount": total, "payment_method_id": method.id}]],
    }])
    return admin_env["pos.order"].search([("uuid", "=", uuid)])


def card_number(body):
    # body with its Luhn check digit, as card numbers are printed
    total = 0
    for i, digit in enumerate(reversed(body)):
        value = int(digit) * (2 if i % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return body + str(-total % 10)


def close(config):
    session = config.current_session_id
    session.post_closing_cash_details(session.cash_register_balance_end)
    closed = session.close_session_from_ui()
    assert closed.get("successful"), closed
    return session
"""

# OCA's membership, installed later into the shop: its first customer is a free member.
OCA_FREE_MEMBER = """
env["res.partner"].search([("ref", "=", "C-0")]).free_member = True
env.cr.commit()
"""

# A shop running Odoo's POS with its own customers, an active loyalty program with points
# on the customers' cards, and a closed session (OCA_FREE_MEMBER adds OCA's membership).
SHOP = (
    TILL
    + """
from odoo import Command

Partner = env["res.partner"]
customers = Partner.create([
    {"name": f"Shop customer {n}", "email": f"customer{n}@shop.example",
     "phone": f"+32 470 12 34 5{n}", "street": f"{n} Market Street", "ref": f"C-{n}",
     "comment": "<p>Regular since 2019</p>"}
    for n in range(4)
])
program = env["loyalty.program"].create({
    "name": "Shop points", "program_type": "loyalty", "pos_ok": True, "trigger": "auto",
    "applies_on": "both",
    "rule_ids": [Command.create({"reward_point_mode": "money", "reward_point_amount": 1})],
    "reward_ids": [Command.create({
        "reward_type": "discount", "discount": 10, "discount_mode": "percent",
        "discount_applicability": "order", "required_points": 50,
    })],
})
env["loyalty.card"].create([
    {"program_id": program.id, "partner_id": c.id, "points": 25 * (n + 1)}
    for n, c in enumerate(customers)
])
mug = env["product.product"].create({
    "name": "Shop mug", "list_price": 12.5, "available_in_pos": True, "type": "consu",
    "taxes_id": [Command.clear()],
})
cash = env["pos.config"]._create_cash_payment_method()
env["pos.config"].create({"name": "Shop till", "payment_method_ids": [Command.set(cash.ids)]})
till = shop_till()
sell(till, customers[1], [(mug, 2)])
sell(till, customers[2], [(mug, 1)])
sell(till, None, [(mug, 3)])
close(till)
env.cr.commit()
"""
)

# What belongs to the shop: read before and after, field by field (the fields that
# existed before the addon came).
SHOP_SNAPSHOT = """
partners = env["res.partner"].with_context(active_test=False).search([], order="id")
partner_fields = [
    name for name, field in env["res.partner"]._fields.items()
    if field.store and name not in ("write_date", "write_uid", "__last_update")
    and not field.compute
    and (field.type not in ("one2many", "many2many", "binary"))
]
orders = env["pos.order"].search([], order="id")
moves = env["account.move.line"].search([])
nomenclature = env.ref("barcodes.default_barcode_nomenclature")
result({
    "partner_fields": partner_fields,
    "partners": partners.read(partner_fields),
    "orders": [
        [o.uuid, o.name, o.state, o.partner_id.id, o.amount_total, o.amount_paid,
         o.session_id.state, [[l.product_id.id, l.qty, l.price_subtotal_incl] for l in o.lines],
         [[p.payment_method_id.id, p.amount] for p in o.payment_ids]]
        for o in orders
    ],
    "loyalty_programs": env["loyalty.program"].with_context(active_test=False).search([]).read(
        ["name", "active", "program_type", "pos_ok", "trigger", "applies_on"]),
    "loyalty_cards": [
        [c.code, c.partner_id.id, c.program_id.id, c.points]
        for c in env["loyalty.card"].search([], order="id")
    ],
    "journal_items": [
        len(moves),
        *(round(sum(moves.mapped(f)), 2) for f in ("debit", "credit", "balance")),
    ],
    "barcode_rules": sorted(
        [r.name, r.type, r.encoding, r.pattern, r.sequence]
        for r in nomenclature.rule_ids
    ),
    "barcode_rule_xmlids": sorted(
        r.get_external_id()[r.id] for r in nomenclature.rule_ids
    ),
})
"""

# The addon's own data after a few member sales (filled with the code of any version):
# read stable facts only (a move's key names its order), so a refactor of how moves are
# stored shows as a difference only when something a member would notice changed.
MEMBER_SNAPSHOT = """
accounts = env["membership.account"].with_context(active_test=False).search([])
def partner_key(p):
    return p.ref or p.name
points = env["membership.points.move"].search([])
wallet = env["membership.wallet.move"].search([])
cards = env["membership.card"].with_context(active_test=False).search([])
members = env["res.partner"].with_context(active_test=False).search([("is_member", "=", True)])
history = env["membership.tier.history"].search([])
result({
    "balances": sorted(
        [partner_key(a.partner_id), a.points_balance, a.wallet_paid_balance,
         a.wallet_bonus_balance]
        for a in accounts
    ),
    "points_moves": sorted(
        [m.idempotency_key, partner_key(m.account_id.partner_id), m.points]
        for m in points
    ),
    "wallet_moves": sorted(
        [m.idempotency_key, partner_key(m.account_id.partner_id), m.paid_amount, m.bonus_amount]
        for m in wallet
    ),
    "cards": sorted(
        [c.number, partner_key(c.partner_id), c.state, c.card_type_id.name,
         str(c.expiry_date or "")]
        for c in cards
    ),
    "tiers": sorted(
        [partner_key(p), p.member_tier_id.name or "", p.member_number or ""] for p in members
    ),
    "tier_history": sorted(
        [partner_key(h.partner_id), h.from_tier_id.name or "", h.to_tier_id.name or "",
         h.reason or ""]
        for h in history
    ),
    "orders": sorted([o.uuid, o.amount_total, o.state] for o in env["pos.order"].search([])),
})
"""

# Members of the shop, with cards, tiers and points and wallet moves from POS orders: made
# through the till's path (orders synced, session closed), which every version keeps.
MEMBER_FILL = (
    TILL
    + """
from odoo import Command

company = env.company
Product = env["product.product"]
service = {"type": "service", "taxes_id": [Command.clear()], "available_in_pos": True}
company.write({
    "membership_points_per_unit": 1.0,
    "membership_point_value": 0.1,
    "membership_points_product_id": Product.create({"name": "Points off", **service}).id,
    "membership_topup_product_id": Product.create(
        {"name": "Wallet top-up", "list_price": 1.0, **service}).id,
    "membership_wallet_max_topup": 500,
})
env["membership.tier"].create([
    {"name": "Bronze", "threshold": 0, "sequence": 1},
    {"name": "Gold", "threshold": 20, "sequence": 2},
])
card_type = env["membership.card.type"].create({"name": "Shop card", "company_id": company.id})
members = env["res.partner"].create([
    {"name": f"Shop member {n}", "ref": f"M-{n}", "is_member": True,
     "phone": f"+32 470 55 66 7{n}"}
    for n in range(3)
])
for n, member in enumerate(members):
    card = env["membership.card"].create({
        "number": card_number(f"9000007700{n}"), "partner_id": member.id,
        "card_type_id": card_type.id, "company_id": company.id,
    })
    card._membership_transition("activate", "opening the shop's member scheme")
journal = env["account.journal"].create(
    {"name": "Member Wallet", "type": "bank", "code": "MWLT", "company_id": company.id})
wallet_method = env["pos.payment.method"].create(
    {"name": "Member Wallet", "journal_id": journal.id, "membership_is_wallet": True})
till = shop_till()
till.write({"payment_method_ids": [Command.link(wallet_method.id)]})
mug = Product.search([("name", "=", "Shop mug")], limit=1)
topup = company.membership_topup_product_id
sell(till, members[0], [(mug, 4)])
sell(till, members[1], [(mug, 1)])
sell(till, members[0], [(topup, 40)])
sell(till, members[1], [(topup, 15)])
sell(till, members[0], [(mug, 1)], method=wallet_method)
close(till)
env.cr.commit()
accounts = env["membership.account"].search([])
result({
    "points": sum(accounts.mapped("points_balance")),
    "wallet": sum(accounts.mapped("wallet_paid_balance")),
    "points_moves": env["membership.points.move"].search_count([]),
    "wallet_moves": env["membership.wallet.move"].search_count([]),
    "tiers": members.mapped("member_tier_id.name"),
})
"""
)

# Uninstall a module through Settings' uninstall wizard; when the addon is gone with it,
# sell at the shop's till and close its session. Call ``uninstall_and_sell(name)``.
UNINSTALL_AND_SELL = (
    TILL
    + """
def uninstall_and_sell(name):
    module = env["ir.module.module"].search([("name", "=", name)])
    refusal = ""
    try:
        env["base.module.uninstall"].create(
            {"module_ids": [(6, 0, module.ids)]}).action_uninstall()
    except Exception as error:  # the refusal an administrator sees, if any
        refusal = str(error)
        env.cr.rollback()
    env.invalidate_all()
    state = env["ir.module.module"].search([("name", "=", "membership_loyalty")]).state
    sold = {}
    if state == "uninstalled":
        till = shop_till()
        partner = env["res.partner"].search([("name", "=", "Shop customer 3")])
        mug = env["product.product"].search([("name", "=", "Shop mug")])
        order = sell(till, partner, [(mug, 2)])
        session = close(till)
        sold = {"order": order.state, "amount": order.amount_total, "session": session.state,
                "move": bool(session.move_id), "posted": session.move_id.state}
    env.cr.commit()
    result({"state": state, "refusal": refusal, "sold": sold})
"""
)

INSTALLED_VERSION = """
result(env["ir.module.module"].search([("name", "=", "membership_loyalty")]).latest_version)
"""

# A user with both membership addons' manager groups: what they see and use.
COINSTALLED = (
    TILL
    + """
from lxml import etree

user = env["res.users"].create({
    "name": "Both memberships", "login": "both_memberships",
    "group_ids": [(6, 0, [env.ref(xmlid).id for xmlid in (
        "base.group_user", "base.group_partner_manager", "account.group_account_invoice",
        "product.group_product_manager", "membership.group_membership_manager",
        "membership_loyalty.membership_loyalty_group_manager",
    )])],
})
as_user = env(user=user)
arch = as_user["res.partner"].get_views([(False, "form")])["views"]["form"]["arch"]
pages = [page.get("string") for page in etree.fromstring(arch).iter("page")]
menus = as_user["ir.ui.menu"].load_menus(False)
roots = [menus[i]["name"] for i in menus["root"]["children"]]
privileges = {
    xmlid: env.ref(xmlid).privilege_id.name
    for xmlid in ("membership.group_membership_manager",
                  "membership_loyalty.membership_loyalty_group_manager")
}
# Both in use by that user: a paid membership invoiced (OCA), and the same partner enrolled
# as a member of the addon (member number given, tier assigned).
product = as_user["product.product"].create({
    "name": "Yearly membership", "membership": True, "list_price": 30,
    "membership_date_from": "2026-01-01", "membership_date_to": "2026-12-31",
})
partner = as_user["res.partner"].create({"name": "Member of both", "phone": "+32 470 99 88 77"})
partner.create_membership_invoice(product, 30)
partner.is_member = True
result({
    "modules": sorted(env["ir.module.module"].search(
        [("name", "in", ["membership", "membership_loyalty"]), ("state", "=", "installed")]
    ).mapped("name")),
    "pages": pages, "roots": roots, "privileges": privileges,
    "oca_state": partner.membership_state, "member_number": partner.member_number,
    "tier": partner.member_tier_id.name,
})
"""
)
