import { OrderSummary } from "@point_of_sale/app/screens/product_screen/order_summary/order_summary";
import { deserializeDate, formatDate } from "@web/core/l10n/dates";
import { patch } from "@web/core/utils/patch";

patch(OrderSummary.prototype, {
    get membershipMember() {
        return this.pos.membership?.memberOf(this.pos.getOrder());
    },
    /** A server date (YYYY-MM-DD) in the till's language. */
    membershipDate(value) {
        return value ? formatDate(deserializeDate(value)) : "";
    },
    get membershipCanEnrol() {
        return this.pos.membership?.canEnrol() || false;
    },
    async onMembershipNew(ev) {
        const input = ev.target.closest(".o_membership_search")?.querySelector("input");
        const partner = await this.pos.membership.enrol(input?.value || "");
        if (partner && input) {
            input.value = "";
        }
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
