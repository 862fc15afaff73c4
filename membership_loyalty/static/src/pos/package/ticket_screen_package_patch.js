import { TicketScreen } from "@point_of_sale/app/screens/ticket_screen/ticket_screen";
import { patch } from "@web/core/utils/patch";

patch(TicketScreen.prototype, {
    async onDoRefund() {
        await super.onDoRefund(...arguments);
        // A package refunded gives back the price of its uses left, not the whole price.
        await this.pos.membership?.packageRefundPrices(this.pos.getOrder());
    },
});
