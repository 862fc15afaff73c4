import { CustomerDisplayPosAdapter } from "@point_of_sale/app/customer_display/customer_display_adapter";
import { patch } from "@web/core/utils/patch";
import { membershipRedeemRef } from "./membership_redeem";

/** The member's name, tier, points and the points the order earns, for the customer. */
patch(CustomerDisplayPosAdapter.prototype, {
    formatOrderData(order) {
        super.formatOrderData(...arguments);
        const redeem = membershipRedeemRef.current;
        this.data.membership = redeem ? redeem.customerDisplayData(order) : null;
    },
});
