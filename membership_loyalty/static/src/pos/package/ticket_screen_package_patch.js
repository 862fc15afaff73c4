import { TicketScreen } from "@point_of_sale/app/screens/ticket_screen/ticket_screen";
import { patch } from "@web/core/utils/patch";

patch(TicketScreen.prototype, {
    async addAdditionalRefundInfo(order, destinationOrder) {
        await super.addAdditionalRefundInfo(...arguments);
        // A package refunded gives back the price of its uses left, not the whole price
        // (set before the payment screen opens).
        await this.pos.membership?.packageRefundPrices(destinationOrder);
    },
});
