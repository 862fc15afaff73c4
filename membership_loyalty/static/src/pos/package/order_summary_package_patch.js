import { OrderSummary } from "@point_of_sale/app/screens/product_screen/order_summary/order_summary";
import { patch } from "@web/core/utils/patch";

patch(OrderSummary.prototype, {
    get membershipPackages() {
        return this.pos.membership?.packagesOf(this.pos.getOrder()) || [];
    },
    onMembershipUsePackage(pkg) {
        return this.pos.membership.usePackage(this.pos.getOrder(), pkg);
    },
});
