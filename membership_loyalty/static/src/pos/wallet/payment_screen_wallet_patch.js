import { PaymentScreen } from "@point_of_sale/app/screens/payment_screen/payment_screen";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";

/**
 * Wallet rules at payment: a top-up is never paid from the wallet, a refund to the wallet
 * stays within the operator's limit, and a wallet payment above the company's threshold
 * asks the member's PIN (the server's proof travels with the order).
 */
patch(PaymentScreen.prototype, {
    _membershipTillRefusal(order, walletAmount) {
        const till = this.pos.membership;
        if (walletAmount > 0 && till.topupLines(order).length) {
            return _t("A wallet cannot be topped up with wallet money: pay the top-up another way.");
        }
        if (walletAmount < 0) {
            const rights = till.tillRights();
            const limit = rights.level === "supervisor" ? Infinity : rights.level === "cashier" ? rights.refund_limit : 0;
            if (-walletAmount - limit > 0.005) {
                return _t("Refunds of more than %s to a wallet need a Membership Supervisor.", this.env.utils.formatCurrency(limit));
            }
        }
        return "";
    },

    /** The threshold counts what the wallet paid over the company's window: below it on
     * its own, a payment may still need the PIN (the server knows the day's payments). */
    async _membershipPinRequired(member, walletPaid, threshold) {
        if (walletPaid - threshold > 0.005) {
            return true;
        }
        return await this.pos.data.call("pos.session", "membership_pos_pin_required", [[this.pos.session.id]], {
            partner_id: member.partner_id,
            amount: walletPaid,
        });
    },

    async addNewPaymentLine(paymentMethod) {
        if (paymentMethod.membership_is_wallet) {
            const order = this.currentOrder;
            const refusal = this._membershipTillRefusal(order, order.remainingDue || 0);
            if (refusal) {
                this._membershipRefuse(refusal);
                return false;
            }
        }
        return await super.addNewPaymentLine(...arguments);
    },

    async validateOrder(isForceValidate) {
        const order = this.currentOrder;
        const walletPaid = this._membershipWalletPaid(order);
        const refusal = walletPaid ? this._membershipTillRefusal(order, walletPaid) : "";
        if (refusal) {
            this._membershipRefuse(refusal);
            return;
        }
        const member = this.pos.membership.memberOf(order);
        const threshold = this.pos.membership.tillRights().pin_threshold || 0;
        if (member?.pin && threshold > 0 && walletPaid > 0 && (await this._membershipPinRequired(member, walletPaid, threshold))) {
            const token = await this.pos.membership.askPin(order, walletPaid);
            if (!token) {
                return;
            }
            order.membership_pin_token = token;
        }
        const topup = this.pos.membership
            .topupLines(order)
            .reduce((total, line) => total + line.priceIncl, 0);
        if (member && topup > 0) {
            // The top-up receipt shows the wallet it leaves (the server posts it at sync).
            order.uiState.membershipWalletLeft = this.env.utils.formatCurrency(
                member.wallet_paid + member.wallet_bonus + topup +
                    (order.uiState.membershipTopupBonus || 0) - walletPaid
            );
        }
        await super.validateOrder(...arguments);
        if (order.finalized) {
            this.pos.membership.walletToppedUp(order);
        }
    },
});
