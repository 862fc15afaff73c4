import { useEffect } from "@odoo/owl";
import { OrderSummary } from "@point_of_sale/app/screens/product_screen/order_summary/order_summary";
import { patch } from "@web/core/utils/patch";

patch(OrderSummary.prototype, {
    setup() {
        super.setup(...arguments);
        // Lines or member changed: ask the server (debounced) for the points to earn.
        useEffect(
            () => this.pos.membershipRedeem?.scheduleEarn(this.pos.getOrder()),
            () => [this.pos.membershipRedeem?.earnSignature(this.pos.getOrder())]
        );
    },
    get membershipEarn() {
        return this.pos.membershipRedeem?.earnOf(this.pos.getOrder()) ?? null;
    },
    onMembershipRedeem() {
        return this.pos.membershipRedeem.openRedeem(this.pos.getOrder());
    },
});
