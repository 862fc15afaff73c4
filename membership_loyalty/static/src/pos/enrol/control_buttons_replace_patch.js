import { ControlButtons } from "@point_of_sale/app/screens/product_screen/control_buttons/control_buttons";
import { patch } from "@web/core/utils/patch";

patch(ControlButtons.prototype, {
    /** Replace card shows for a member with a card, to supervisors at the till. */
    get membershipCanReplaceCard() {
        const member = this.pos.membership?.memberOf(this.pos.getOrder());
        return Boolean(member?.card_number && this.pos.membership.canReplace());
    },
    async onClickMembershipReplaceCard() {
        await this.pos.membership.replaceCard(this.pos.getOrder());
    },
});
