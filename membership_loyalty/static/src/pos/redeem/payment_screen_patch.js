import { PaymentScreen } from "@point_of_sale/app/screens/payment_screen/payment_screen";
import { patch } from "@web/core/utils/patch";

patch(PaymentScreen.prototype, {
    get membershipEarnNote() {
        return this.pos.membershipRedeem?.earnNote(this.currentOrder) || "";
    },
    async validateOrder(isForceValidate) {
        const order = this.currentOrder;
        const redeem = this.pos.membershipRedeem;
        const used = redeem ? redeem.pointsUsed(order) : 0;
        if (redeem) {
            order.uiState.membershipEarnNote = redeem.earnNote(order);
        }
        await super.validateOrder(...arguments);
        if (redeem && order.finalized) {
            redeem.orderPaid(order, used);
        }
    },
});
