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

    /** {level, refund_limit, pin_threshold, topup_product_id} of who works the till, as the
     * server decided them when the till loaded: for the till's user, or (pos_hr) for the
     * employee logged in. A null refund_limit means no limit. */
    tillRights() {
        const rights = { level: "none", refund_limit: 0, ...(this.pos.user.raw?.membership_till || {}) };
        const employee = this._employee();
        if (employee) {
            Object.assign(rights, employee._membership_till || { level: "none", refund_limit: 0 });
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

    // ---------------------------------------------------------------- at payment

    /** What the order pays from the wallet (negative: a refund to the wallet). */
    walletPaid(order) {
        return order.payment_ids
            .filter((line) => line.payment_method_id?.membership_is_wallet)
            .reduce((total, line) => total + line.getAmount(), 0);
    },

    /** What the order's top-up lines put in the wallet, with the bonus the server's preview
     * gave them. */
    walletToppedUp(order) {
        const top = this.topupLines(order).reduce((total, line) => total + line.priceIncl, 0);
        return top > 0 ? top + (order.uiState.membershipTopupBonus || 0) : 0;
    },

    /**
     * Why the order's wallet payments (plus `extra`, a line about to be added) cannot be
     * taken (empty when they can): a top-up is never paid from the wallet, a refund to the
     * wallet stays within the operator's limit, a payment within what the wallet holds.
     * `adding`: a wallet line is being added (it needs the member on the order). The
     * server checks all of it again at sync.
     */
    walletRefusal(order, extra = 0, adding = false) {
        const wanted = this.walletPaid(order) + extra;
        const fmt = (value) => this.pos.env.utils.formatCurrency(value);
        if (wanted > 0 && this.topupLines(order).length) {
            return _t("A wallet cannot be topped up with wallet money: pay the top-up another way.");
        }
        if (wanted < 0) {
            const limit = this.tillRights().refund_limit ?? Infinity;
            if (-wanted - limit > 0.005) {
                return _t("Refunds of more than %s to a wallet need a Membership Supervisor.", fmt(limit));
            }
        }
        const member = this.memberOf(order);
        if (!member && (adding || wanted > 0)) {
            return _t("Set the member on the order before paying from a wallet.");
        }
        if (wanted <= 0) {
            return "";
        }
        const balance = this.walletTotal(member);
        if (wanted - balance < 0.005) {
            return "";
        }
        return _t("%(member)s's wallet holds %(balance)s: %(amount)s cannot be paid from it.", {
            member: member.name,
            balance: fmt(balance),
            amount: fmt(wanted),
        });
    },

    /** Whether a wallet payment of `amount` needs the member's PIN: above the company's
     * threshold on its own, else the server says (it knows what the wallet paid over the
     * company's window). */
    async pinRequired(order, amount) {
        const member = this.memberOf(order);
        const threshold = this.tillRights().pin_threshold || 0;
        if (!member?.pin || threshold <= 0 || amount <= 0) {
            return false;
        }
        if (amount - threshold > 0.005) {
            return true;
        }
        return await this.pos.data.call("pos.session", "membership_pos_pin_required", [[this.pos.session.id]], {
            partner_id: member.partner_id,
            amount,
        });
    },

    /** The wallet the receipt says the order leaves ("" when it does not move it). */
    walletLeftLabel(order, walletPaid) {
        const member = this.memberOf(order);
        const topup = this.walletToppedUp(order);
        if (!member || (!walletPaid && !topup)) {
            return "";
        }
        return this.pos.env.utils.formatCurrency(this.walletTotal(member) + topup - walletPaid);
    },
});
