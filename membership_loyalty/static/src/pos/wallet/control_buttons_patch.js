import { ControlButtons } from "@point_of_sale/app/screens/product_screen/control_buttons/control_buttons";
import { patch } from "@web/core/utils/patch";

patch(ControlButtons.prototype, {
    /** The Top up button shows for a member on the order, to operators who may top up. */
    get membershipCanTopUp() {
        const order = this.pos.getOrder();
        return Boolean(
            this.pos.membership?.memberOf(order) &&
                this.pos.membership.topupProductId() &&
                this.pos.membership.tillRights().level !== "none"
        );
    },
    async onClickMembershipTopUp() {
        await this.pos.membership.topUp(this.pos.getOrder());
    },
});
