import { PaymentScreen } from "@point_of_sale/app/screens/payment_screen/payment_screen";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";

/**
 * The member wallet as a payment method: the till refuses what the wallet shown in the
 * member panel cannot pay (the server checks again at sync), and the receipt shows what
 * is left in the wallet.
 */
patch(PaymentScreen.prototype, {
    _membershipWalletPaid(order) {
        return order.payment_ids
            .filter((line) => line.payment_method_id?.membership_is_wallet)
            .reduce((total, line) => total + line.getAmount(), 0);
    },

    /** An error text when the order's wallet payments (plus `extra`) cannot be paid. */
    _membershipWalletRefusal(order, extra = 0) {
        const member = this.pos.membership.memberOf(order);
        if (!member) {
            return _t("Set the member on the order before paying from a wallet.");
        }
        const balance = (member.wallet_paid || 0) + (member.wallet_bonus || 0);
        const wanted = this._membershipWalletPaid(order) + extra;
        if (wanted - balance < 0.005) {
            return "";
        }
        return _t("%(member)s's wallet holds %(balance)s: %(amount)s cannot be paid from it.", {
            member: member.name,
            balance: this.env.utils.formatCurrency(balance),
            amount: this.env.utils.formatCurrency(wanted),
        });
    },

    _membershipRefuse(body) {
        this.dialog.add(AlertDialog, { title: _t("Wallet payment refused"), body });
    },

    async addNewPaymentLine(paymentMethod) {
        if (paymentMethod.membership_is_wallet) {
            const order = this.currentOrder;
            const refusal = this._membershipWalletRefusal(order, Math.max(order.remainingDue, 0));
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
        if (walletPaid > 0) {
            const refusal = this._membershipWalletRefusal(order);
            if (refusal) {
                this._membershipRefuse(refusal);
                return;
            }
        }
        const member = this.pos.membership.memberOf(order);
        if (walletPaid && member) {
            // A payment from the wallet or a refund to it: the receipt shows what it leaves.
            order.uiState.membershipWalletLeft = this.env.utils.formatCurrency(
                member.wallet_paid + member.wallet_bonus - walletPaid
            );
        }
        await super.validateOrder(...arguments);
        if (walletPaid && order.finalized) {
            this.pos.membership.walletSpent(order, walletPaid);
        }
    },
});
