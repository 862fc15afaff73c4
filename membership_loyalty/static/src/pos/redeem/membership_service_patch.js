import { MembershipTill } from "@membership_loyalty/pos/membership_service";
import { patch } from "@web/core/utils/patch";

/** Points spent (cash-off lines) and gifts get no tier discount: their price is the point. */
patch(MembershipTill.prototype, {
    applyDiscounts(order) {
        super.applyDiscounts(...arguments);
        const redeem = this.pos.membershipRedeem;
        if (!order || order.finalized || !redeem) {
            return;
        }
        for (const line of order.getOrderlines()) {
            if (line.membership_discount && redeem.isRedeemLine(line)) {
                line.setDiscount(Math.max((line.discount || 0) - line.membership_discount, 0));
                line.membership_discount = 0;
            }
        }
    },
});
