import { PosStore } from "@point_of_sale/app/services/pos_store";
import { patch } from "@web/core/utils/patch";

patch(PosStore.prototype, {
    setPartnerToCurrentOrder(partner) {
        super.setPartnerToCurrentOrder(...arguments);
        const order = this.getOrder();
        this.membership?.applyDiscounts(order);
        if (partner) {
            this.membership?.learn(partner);
        }
    },
    async addLineToOrder(vals, order) {
        const line = await super.addLineToOrder(...arguments);
        this.membership?.applyDiscounts(order);
        return line;
    },
});
