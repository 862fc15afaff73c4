from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    membership_inactive_days = fields.Integer(
        related="company_id.membership_inactive_days", readonly=False
    )
    membership_cashier_refund_limit = fields.Monetary(
        related="company_id.membership_cashier_refund_limit", readonly=False
    )
    membership_sms_welcome = fields.Boolean(
        related="company_id.membership_sms_welcome", readonly=False
    )
    membership_sms_purchase = fields.Boolean(
        related="company_id.membership_sms_purchase", readonly=False
    )
    membership_sms_topup = fields.Boolean(related="company_id.membership_sms_topup", readonly=False)
    membership_sms_birthday = fields.Boolean(
        related="company_id.membership_sms_birthday", readonly=False
    )
    membership_sms_points_expiring = fields.Boolean(
        related="company_id.membership_sms_points_expiring", readonly=False
    )
    membership_sms_tier_upgrade = fields.Boolean(
        related="company_id.membership_sms_tier_upgrade", readonly=False
    )
    membership_sms_quiet_start = fields.Float(
        related="company_id.membership_sms_quiet_start", readonly=False
    )
    membership_sms_quiet_end = fields.Float(
        related="company_id.membership_sms_quiet_end", readonly=False
    )

    # Points and wallet ledgers.
    membership_points_per_unit = fields.Float(
        related="company_id.membership_points_per_unit", readonly=False
    )
    membership_wallet_earns = fields.Boolean(
        related="company_id.membership_wallet_earns", readonly=False
    )
    membership_points_expiry_months = fields.Integer(
        related="company_id.membership_points_expiry_months", readonly=False
    )
    membership_point_value = fields.Float(
        related="company_id.membership_point_value", readonly=False
    )
    membership_redeem_min_points = fields.Float(
        related="company_id.membership_redeem_min_points", readonly=False
    )
    membership_redeem_max_share = fields.Float(
        related="company_id.membership_redeem_max_share", readonly=False
    )
    membership_points_product_id = fields.Many2one(
        related="company_id.membership_points_product_id", readonly=False
    )
    membership_topup_product_id = fields.Many2one(
        related="company_id.membership_topup_product_id", readonly=False
    )
    membership_coupon_program_id = fields.Many2one(
        related="company_id.membership_coupon_program_id", readonly=False
    )
    membership_coupon_points_cost = fields.Float(
        related="company_id.membership_coupon_points_cost", readonly=False
    )
    membership_wallet_max_topup = fields.Monetary(
        related="company_id.membership_wallet_max_topup", readonly=False
    )
    membership_wallet_bonus_first = fields.Boolean(
        related="company_id.membership_wallet_bonus_first", readonly=False
    )
    membership_payout_forfeit_bonus = fields.Boolean(
        related="company_id.membership_payout_forfeit_bonus", readonly=False
    )
    membership_adjust_max_points = fields.Float(
        related="company_id.membership_adjust_max_points", readonly=False
    )
    membership_adjust_max_amount = fields.Monetary(
        related="company_id.membership_adjust_max_amount", readonly=False
    )
    membership_wallet_journal_id = fields.Many2one(
        related="company_id.membership_wallet_journal_id", readonly=False
    )
    membership_wallet_liability_account_id = fields.Many2one(
        related="company_id.membership_wallet_liability_account_id", readonly=False
    )
    membership_wallet_revenue_account_id = fields.Many2one(
        related="company_id.membership_wallet_revenue_account_id", readonly=False
    )
    membership_wallet_expense_account_id = fields.Many2one(
        related="company_id.membership_wallet_expense_account_id", readonly=False
    )
    membership_wallet_review_account_id = fields.Many2one(
        related="company_id.membership_wallet_review_account_id", readonly=False
    )

    membership_refund_abuse_ratio = fields.Float(
        related="company_id.membership_refund_abuse_ratio", readonly=False
    )

    # Wallet at the till.
    membership_topup_cashier_limit = fields.Monetary(
        related="company_id.membership_topup_cashier_limit", readonly=False
    )
    membership_pin_threshold = fields.Monetary(
        related="company_id.membership_pin_threshold", readonly=False
    )
    membership_pin_max_tries = fields.Integer(
        related="company_id.membership_pin_max_tries", readonly=False
    )
    membership_pos_loyalty_warning = fields.Char(related="pos_config_id.membership_loyalty_warning")
    membership_pin_window_hours = fields.Integer(
        related="company_id.membership_pin_window_hours", readonly=False
    )

    # Points converted into wallet credit.
    membership_convert_rate = fields.Float(
        related="company_id.membership_convert_rate", readonly=False
    )
    membership_convert_min_points = fields.Float(
        related="company_id.membership_convert_min_points", readonly=False
    )
