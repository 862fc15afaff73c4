import { PaymentScreen } from "@point_of_sale/app/screens/payment_screen/payment_screen";
import { patch } from "@web/core/utils/patch";

patch(PaymentScreen.prototype, {
    async validateOrder(isForceValidate) {
        const order = this.currentOrder;
        await super.validateOrder(...arguments);
        if (order.finalized) {
            this.pos.membership?.packagesUsed(order);
        }
    },
});
