import { PaymentScreen } from "@point_of_sale/app/screens/payment_screen/payment_screen";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";

/**
 * The member at payment, in one place and in a fixed order: the member wallet as a
 * payment method (wallet/wallet_till.js says what it refuses and when the PIN is asked),
 * the receipt's notes, then, once the order is paid, the member's points (redeem/),
 * wallet and packages (package/). The server checks everything again at sync.
 */
patch(PaymentScreen.prototype, {
    /** Why the paid order earns fewer points than the preview showed (said before paying). */
    get membershipEarnNote() {
        return this.pos.membershipRedeem?.earnNote(this.currentOrder) || "";
    },

    _membershipRefuse(body) {
        this.dialog.add(AlertDialog, { title: _t("Wallet payment refused"), body });
    },

    async addNewPaymentLine(paymentMethod) {
        if (paymentMethod.membership_is_wallet) {
            const order = this.currentOrder;
            const refusal = this.pos.membership.walletRefusal(order, order.remainingDue || 0, true);
            if (refusal) {
                this._membershipRefuse(refusal);
                return false;
            }
        }
        return await super.addNewPaymentLine(...arguments);
    },

    async validateOrder(isForceValidate) {
        const order = this.currentOrder;
        const till = this.pos.membership;
        const redeem = this.pos.membershipRedeem;
        // 1. The wallet payments: refused, or proven with the member's PIN.
        const walletPaid = till.walletPaid(order);
        const refusal = walletPaid ? till.walletRefusal(order) : "";
        if (refusal) {
            this._membershipRefuse(refusal);
            return;
        }
        if (await till.pinRequired(order, walletPaid)) {
            const token = await till.askPin(order, walletPaid);
            if (!token) {
                return;
            }
            order.membership_pin_token = token;
        }
        // 2. What the receipt says: the wallet left and why fewer points are earned.
        order.uiState.membershipWalletLeft = till.walletLeftLabel(order, walletPaid);
        if (redeem) {
            order.uiState.membershipEarnNote = redeem.earnNote(order);
        }
        const pointsUsed = redeem ? redeem.pointsUsed(order) : 0;
        const walletMoved = till.walletToppedUp(order) - walletPaid;
        await super.validateOrder(...arguments);
        if (!order.finalized) {
            return;
        }
        // 3. Paid: the member's points, packages and wallet as the panel shows them next.
        redeem?.orderPaid(order, pointsUsed);
        till.packagesUsed?.(order);
        till.walletMoved(order, walletMoved);
    },
});
