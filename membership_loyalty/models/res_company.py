from odoo import api, fields, models

from ..tools.input_checks import MAX_AMOUNT, check_bounds

# Sane bounds of the Membership settings (Settings ▸ Membership writes them here).
COMPANY_BOUNDS = {
    "membership_inactive_days": (1, 3650),
    "membership_cashier_refund_limit": (0, MAX_AMOUNT),
    "membership_points_per_unit": (0, 1000),
    "membership_points_expiry_months": (0, 600),
    "membership_point_value": (0, 1000),
    "membership_redeem_min_points": (0, MAX_AMOUNT),
    "membership_redeem_max_share": (0, 100),
    "membership_coupon_points_cost": (0, MAX_AMOUNT),
    "membership_wallet_max_topup": (0, MAX_AMOUNT),
    "membership_adjust_max_points": (0, MAX_AMOUNT),
    "membership_adjust_max_amount": (0, MAX_AMOUNT),
    "membership_refund_abuse_ratio": (0, 1),
    "membership_topup_cashier_limit": (0, MAX_AMOUNT),
    "membership_pin_threshold": (0, MAX_AMOUNT),
    "membership_pin_max_tries": (1, 20),
    "membership_convert_rate": (0, 1000),
    "membership_convert_min_points": (0, MAX_AMOUNT),
}


class ResCompany(models.Model):
    _inherit = "res.company"

    membership_inactive_days = fields.Integer(
        string="Inactive Member After (days)",
        default=90,
        help="A member without a visit for this many days counts as inactive.",
    )
    membership_cashier_refund_limit = fields.Monetary(
        string="Cashier Refund Limit",
        currency_field="currency_id",
        default=100.0,
        help="Deposit and wallet refunds above this amount need a Membership Supervisor.",
    )

    _membership_inactive_days_positive = models.Constraint(
        "CHECK (membership_inactive_days > 0)",
        "The number of days after which a member is inactive must be positive.",
    )
    _membership_cashier_refund_limit_positive = models.Constraint(
        "CHECK (membership_cashier_refund_limit >= 0)",
        "The cashier refund limit cannot be negative.",
    )

    # Member SMS: one switch per automatic message, and quiet hours.
    membership_sms_welcome = fields.Boolean(string="Welcome SMS", default=True)
    membership_sms_purchase = fields.Boolean(string="Purchase SMS", default=False)
    membership_sms_topup = fields.Boolean(string="Top-up SMS", default=True)
    membership_sms_birthday = fields.Boolean(string="Birthday SMS", default=True)
    membership_sms_points_expiring = fields.Boolean(string="Points Expiring SMS", default=True)
    membership_sms_tier_upgrade = fields.Boolean(string="Tier Upgrade SMS", default=True)
    membership_sms_quiet_start = fields.Float(
        string="Quiet Hours From",
        default=21.0,
        help="Member SMS due in the quiet hours (member's local time) wait until they end.",
    )
    membership_sms_quiet_end = fields.Float(string="Quiet Hours Until", default=8.0)

    _membership_sms_quiet_hours_valid = models.Constraint(
        "CHECK (membership_sms_quiet_start >= 0 AND membership_sms_quiet_start < 24"
        " AND membership_sms_quiet_end >= 0 AND membership_sms_quiet_end < 24)",
        "Quiet hours must lie between 00:00 and 23:59.",
    )

    # Points and wallet ledgers.
    membership_points_per_unit = fields.Float(
        string="Points per Currency Unit",
        default=1.0,
        digits=(16, 4),
        help="Base points earned per unit of currency spent, before stages and multipliers.",
    )
    membership_wallet_earns = fields.Boolean(
        string="Wallet Payments Earn Points",
        help="When off, the share of an order paid from the wallet earns no points.",
    )
    membership_points_expiry_months = fields.Integer(
        string="Points Expire After (months)",
        default=12,
        help="Earned points lapse this many months after they were earned (0: never).",
    )
    membership_point_value = fields.Float(
        string="Value of a Point",
        default=0.01,
        digits=(16, 4),
        help="Cash-off: amount of currency one point takes off an order.",
    )
    membership_redeem_min_points = fields.Float(
        string="Minimum Points per Redemption", default=100.0, digits=(16, 2)
    )
    membership_redeem_max_share = fields.Float(
        string="Maximum Share of an Order (%)",
        default=50.0,
        help="Points can pay at most this share of an order.",
    )
    membership_points_product_id = fields.Many2one(
        "product.product",
        string="Points Discount Product",
        help="The order line product that carries a cash-off paid with points.",
    )
    membership_topup_product_id = fields.Many2one(
        "product.product",
        string="Wallet Top-up Product",
        help="Selling this product at the till tops up the customer's wallet.",
    )
    membership_coupon_program_id = fields.Many2one(
        "loyalty.program",
        string="E-coupon Program",
        domain="[('program_type', '=', 'coupons')]",
        help="Coupons bought with points are issued in this Odoo coupon program.",
    )
    membership_coupon_points_cost = fields.Float(
        string="Points per E-coupon", default=500.0, digits=(16, 2)
    )
    membership_wallet_max_topup = fields.Monetary(
        string="Maximum Top-up", currency_field="currency_id", default=1000.0
    )
    membership_wallet_bonus_first = fields.Boolean(
        string="Spend Bonus Credit First",
        help="When on, payments use the bonus credit before the money the member paid in.",
    )
    membership_payout_forfeit_bonus = fields.Boolean(
        string="Forfeit Bonus on Payout",
        default=True,
        help="A payout returns the money paid in; the bonus credit is forfeited.",
    )
    membership_adjust_max_points = fields.Float(
        string="Manual Adjustment Limit (points)", default=1000.0, digits=(16, 2)
    )
    membership_adjust_max_amount = fields.Monetary(
        string="Manual Adjustment Limit (wallet)", currency_field="currency_id", default=100.0
    )
    membership_wallet_journal_id = fields.Many2one(
        "account.journal",
        string="Wallet Journal",
        help="Miscellaneous journal of the wallet's accounting entries.",
    )
    membership_wallet_liability_account_id = fields.Many2one(
        "account.account",
        string="Customer Deposits Account",
        help="Liability account holding the money members paid into their wallets.",
    )
    membership_wallet_revenue_account_id = fields.Many2one(
        "account.account",
        string="Wallet Sales Account",
        help="Income recognised when members pay from their wallets.",
    )
    membership_wallet_expense_account_id = fields.Many2one(
        "account.account",
        string="Wallet Bonus Expense Account",
        help="Marketing expense booked when bonus credit is spent or adjusted.",
    )
    membership_wallet_review_account_id = fields.Many2one(
        "account.account",
        string="Wallet Review Account",
        help="Holds wallet money the till took but the ledger did not move (orders held "
        "for a supervisor, top-ups or payouts without a journal) until it is settled. "
        "Empty: the company's bank suspense account.",
    )

    _membership_points_per_unit_positive = models.Constraint(
        "CHECK (membership_points_per_unit >= 0)", "Points per currency unit cannot be negative."
    )
    _membership_points_expiry_positive = models.Constraint(
        "CHECK (membership_points_expiry_months >= 0)", "The points expiry cannot be negative."
    )
    _membership_redeem_max_share_range = models.Constraint(
        "CHECK (membership_redeem_max_share >= 0 AND membership_redeem_max_share <= 100)",
        "The maximum share paid with points is a percentage between 0 and 100.",
    )
    _membership_wallet_max_topup_positive = models.Constraint(
        "CHECK (membership_wallet_max_topup > 0)", "The maximum top-up must be positive."
    )

    # Analytics: refund share above which a member is "undesirable".
    membership_refund_abuse_ratio = fields.Float(
        string="Refund Abuse Share",
        default=0.3,
        help="Members who refund more than this share of what they bought over 12 months "
        "are flagged as undesirable (0.3 = 30%).",
    )

    # Wallet at the till: cashier top-up limit and the wallet PIN.
    membership_topup_cashier_limit = fields.Monetary(
        string="Cashier Top-up Limit",
        currency_field="currency_id",
        default=200.0,
        help="What a till operator below Membership Supervisor may top up in one order; "
        "larger top-ups need a supervisor.",
    )
    membership_pin_threshold = fields.Monetary(
        string="Wallet PIN Above",
        currency_field="currency_id",
        default=0.0,
        help="A wallet payment above this amount asks the member's PIN, for members who "
        "have one (0: never asked).",
    )
    membership_pin_window_hours = fields.Integer(
        string="Wallet PIN Window (hours)",
        default=24,
        help="The PIN threshold applies to what the member's wallet paid over this many "
        "hours, the payment at hand included (0: each payment on its own).",
    )
    membership_pin_max_tries = fields.Integer(
        string="Wrong PINs Before Lock",
        default=3,
        help="The member's PIN is locked after this many wrong entries in a row; a "
        "supervisor unlocks it from the member's form.",
    )

    _membership_topup_cashier_limit_positive = models.Constraint(
        "CHECK (membership_topup_cashier_limit >= 0)",
        "The cashier top-up limit cannot be negative.",
    )
    _membership_pin_threshold_positive = models.Constraint(
        "CHECK (membership_pin_threshold >= 0)", "The wallet PIN threshold cannot be negative."
    )
    _membership_pin_window_hours_positive = models.Constraint(
        "CHECK (membership_pin_window_hours >= 0)", "The wallet PIN window cannot be negative."
    )
    _membership_pin_max_tries_positive = models.Constraint(
        "CHECK (membership_pin_max_tries > 0)", "At least one PIN try must be allowed."
    )

    # Points converted into wallet credit (bonus credit, never paid out).
    membership_convert_rate = fields.Float(
        string="Wallet Credit per Point",
        digits=(16, 4),
        default=0.0,
        help="Wallet credit one point buys when a member converts points (0: points "
        "cannot be converted). The credit is bonus: spent like money, never paid out.",
    )
    membership_convert_min_points = fields.Float(
        string="Minimum Points per Conversion",
        digits=(16, 2),
        default=100.0,
        help="The fewest points a member may convert into wallet credit at once.",
    )

    _membership_convert_rate_positive = models.Constraint(
        "CHECK (membership_convert_rate >= 0 AND membership_convert_min_points >= 0)",
        "The conversion rate and minimum cannot be negative.",
    )

    @api.constrains(*COMPANY_BOUNDS)
    def _check_membership_bounds(self):
        check_bounds(self, COMPANY_BOUNDS)

    # ------------------------------------------------------------------ wallet accounting

    def write(self, vals):
        res = super().write(vals)
        if {"membership_wallet_liability_account_id", "membership_topup_product_id"} & set(vals):
            self._membership_wallet_configure()
        return res

    def _membership_wallet_books(self):
        """The accounts of the wallet's entries, as a dict (journal, liability, revenue,
        expense, review), or an empty dict while they are not all set."""
        self.ensure_one()
        books = {
            "journal": self.membership_wallet_journal_id,
            "liability": self.membership_wallet_liability_account_id,
            "revenue": self.membership_wallet_revenue_account_id,
            "expense": self.membership_wallet_expense_account_id,
            "review": self.membership_wallet_review_account_id
            or self.account_journal_suspense_account_id,
        }
        return books if all(books.values()) else {}

    @api.model
    def _membership_wallet_configure_all(self):
        """Configure the till's wallet accounts of every company that set them (install
        and update of the module; see ``_membership_wallet_configure``)."""
        # sudo: run by the module update for every company.
        self.sudo().search(
            [("membership_wallet_liability_account_id", "!=", False)]
        )._membership_wallet_configure()

    def _membership_wallet_configure(self):
        """Point the till at the customer-deposits account: the top-up product sells into
        it and the Member Wallet payment methods pay out of it, so the session closing
        books wallet money on the liability, never as sales or money received. Payment
        methods of a session still open are left alone (Odoo refuses to change them);
        the session's wallet entry corrects what they book (see pos.session).

        sudo: the company's settings are changed by a Membership manager, who may have no
        rights on products' accounts or payment methods."""
        for company in self.sudo():
            liability = company.membership_wallet_liability_account_id
            if not liability:
                continue
            product = company.membership_topup_product_id.with_company(company)
            if product and product.property_account_income_id != liability:
                product.property_account_income_id = liability
            methods = (
                self.env["pos.payment.method"]
                .sudo()
                .search(
                    [
                        ("membership_is_wallet", "=", True),
                        ("company_id", "=", company.id),
                        ("outstanding_account_id", "!=", liability.id),
                    ]
                )
            )
            methods.filtered(lambda m: not m.open_session_ids).outstanding_account_id = liability
