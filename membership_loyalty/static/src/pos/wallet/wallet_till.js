import { MembershipTill } from "@membership_loyalty/pos/membership_service";
import { NumberPopup } from "@point_of_sale/app/components/popups/number_popup/number_popup";
import { makeAwaitable } from "@point_of_sale/app/utils/make_awaitable_dialog";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { MembershipTopupPopup } from "./topup_popup";

/**
 * The money side of the member at the till: top-up with the bonus preview, the wallet
 * PIN, and what the operator may do. The server decides (preview, PIN check, and again
 * at sync); the till only asks and hides what it would refuse.
 */
patch(MembershipTill.prototype, {
    /** The employee logged in with pos_hr, when it is not the till's user. */
    _employee() {
        const cashier = this.pos.getCashier();
        return cashier && cashier !== this.pos.user ? cashier : null;
    },

    /** {level, topup_limit, topup_max, refund_limit, pin_threshold} of who works the till. */
    tillRights() {
        const rights = { level: "none", ...(this.pos.user.raw?.membership_till || {}) };
        const employee = this._employee();
        if (employee) {
            const role = employee._role;
            rights.level = role === "manager" ? "supervisor" : role === "minimal" ? "none" : "cashier";
        }
        return rights;
    },

    topupProductId() {
        return this.pos.user.raw?.membership_till?.topup_product_id;
    },

    topupLines(order) {
        const productId = this.topupProductId();
        return order.getOrderlines().filter((line) => productId && line.product_id?.id === productId);
    },

    _alert(title, body) {
        this.dialog.add(AlertDialog, { title, body });
    },

    /** Ask the amount, show the bonus it earns, and add the top-up line on confirmation. */
    async topUp(order) {
        const member = this.memberOf(order);
        if (!member || order.finalized) {
            return false;
        }
        if (this.topupLines(order).length) {
            this._alert(_t("Top-up refused"), _t("This order already tops the wallet up."));
            return false;
        }
        const employee = this._employee();
        const preview = await makeAwaitable(this.dialog, MembershipTopupPopup, {
            title: _t("Top up the wallet of %s", member.name),
            preview: (amount) =>
                this.pos.data.silentCall(
                    "pos.session",
                    "membership_pos_topup_preview",
                    [[this.pos.session.id]],
                    { partner_id: member.partner_id, amount, employee_id: employee?.id || null }
                ).then(
                    (result) =>
                        result || {
                            status: "refused",
                            message: _t("Topping up needs the server: try again online."),
                        }
                ),
        });
        if (!preview) {
            return false;
        }
        const fmt = (value) => this.pos.env.utils.formatCurrency(value);
        const product = this.pos.models["product.product"].get(preview.product_id);
        if (!product) {
            this._alert(_t("Top-up refused"), _t("The top-up product is not available at this till."));
            return false;
        }
        await this.pos.addLineToOrder(
            { product_tmpl_id: product.product_tmpl_id, product_id: product, price_unit: preview.amount },
            order
        );
        order.uiState.membershipTopup = {
            amount: fmt(preview.amount),
            bonus: preview.bonus_amount ? fmt(preview.bonus_amount) : "",
            points: preview.bonus_points || 0,
        };
        order.uiState.membershipTopupBonus = preview.bonus_amount || 0;
        return true;
    },

    /** Ask the member's PIN for a wallet payment of `amount`; returns the server's proof
     * (a token bound to the order, the member and the amount) or null. */
    async askPin(order, amount) {
        const member = this.memberOf(order);
        const typed = await makeAwaitable(this.dialog, NumberPopup, {
            title: _t("Wallet PIN of %s", member.name),
            formatDisplayedValue: (value) => "•".repeat(String(value).length),
            placeholder: _t("PIN"),
        });
        if (!typed) {
            return null;
        }
        const result = await this.pos.data.call(
            "pos.session",
            "membership_pos_pin_verify",
            [[this.pos.session.id]],
            { partner_id: member.partner_id, pin: String(typed), order_uuid: order.uuid, amount }
        );
        if (result.status !== "ok") {
            this._alert(
                result.status === "locked" ? _t("Wallet PIN locked") : _t("Wrong PIN"),
                result.message
            );
            return null;
        }
        return result.token;
    },

    /** After a paid order: the panel shows the top-up and its bonus in the wallet. */
    walletToppedUp(order) {
        const member = this.memberOf(order);
        const top = this.topupLines(order).reduce((total, line) => total + line.priceIncl, 0);
        if (member && top > 0) {
            member.wallet_paid += top;
            member.wallet_bonus += order.uiState.membershipTopupBonus || 0;
        }
    },
});
