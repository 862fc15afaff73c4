import { OrderSummary } from "@point_of_sale/app/screens/product_screen/order_summary/order_summary";
import { patch } from "@web/core/utils/patch";

patch(OrderSummary.prototype, {
    get membershipMember() {
        return this.pos.membership?.memberOf(this.pos.getOrder());
    },
    async onMembershipSearch(ev) {
        if (ev.key === "Enter" && ev.target.value.trim()) {
            const partner = await this.pos.membership.identify({ query: ev.target.value });
            if (partner) {
                ev.target.value = "";
            }
        }
    },
});
