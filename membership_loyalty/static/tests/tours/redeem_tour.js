import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import * as OfflineUtil from "@point_of_sale/../tests/generic_helpers/offline_util";
import { negate, refresh, scan_barcode } from "@point_of_sale/../tests/generic_helpers/utils";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";
import * as TicketScreen from "@point_of_sale/../tests/pos/tours/utils/ticket_screen_util";
import { registry } from "@web/core/registry";

// Card and figures set up by tests/test_pos_redeem.py: 120 points, Gold tier (10% on tea),
// 1 point per 1.00, a point is worth 0.10, at least 10 points, at most 50% of an order.
const CARD = "900000000043";

const start = () => [
    Chrome.startPoS(),
    Dialog.confirm("Open Register"),
    scan_barcode(CARD),
    { content: "the member is on the order", trigger: ".o_membership_name:contains('Rita Redeemer')" },
].flat();

const payCash = (total) => [
    ProductScreen.clickPayButton(),
    PaymentScreen.totalIs(total),
    PaymentScreen.clickPaymentMethod("Cash"),
    PaymentScreen.clickValidate(),
    ReceiptScreen.isShown(),
].flat();

const receiptShows = (what, value) => ({
    content: `the receipt shows ${what} ${value}`,
    trigger: `.pos-receipt .o_membership_receipt_${what}:contains('${value}')`,
});

const openRedeem = () => ({
    content: "open the redeem popup",
    trigger: ".o_membership_redeem_button",
    run: "click",
});

const refused = (title, body) =>
    [Dialog.is({ title }), Dialog.bodyIs(body), Dialog.confirm("Ok")].flat();

registry.category("web_tour.tours").add("membership_loyalty_redeem_earn", {
    steps: () =>
        [
            start(),
            ProductScreen.addOrderline("Member Tea", "3"),
            { content: "3 teas at 9.00 earn 27 points", trigger: ".o_membership_earn:contains('+27')" },
            {
                content: "the customer display gets the member, tier, points and points to earn",
                trigger: ".o_membership_earn:contains('+27')",
                run: () => {
                    // Looked up when the step runs, inside the till: the tours bundle is
                    // also loaded by back-office pages, where the till's modules do not exist.
                    const { CustomerDisplayPosAdapter } = odoo.loader.modules.get(
                        "@point_of_sale/app/customer_display/customer_display_adapter"
                    );
                    const adapter = new CustomerDisplayPosAdapter();
                    adapter.formatOrderData(window.posmodel.getOrder());
                    const shown = JSON.stringify(adapter.data.membership);
                    const expected = JSON.stringify({
                        name: "Rita Redeemer",
                        tier: "Gold",
                        points: 120,
                        earn: 27,
                    });
                    if (shown !== expected) {
                        throw new Error(`customer display got ${shown}, expected ${expected}`);
                    }
                },
            },
            ProductScreen.addOrderline("Member Tea", "1"),
            { content: "the preview follows the lines", trigger: ".o_membership_earn:contains('+36')" },
            payCash("36.00"),
            receiptShows("earned", "36"),
            receiptShows("balance", "156"),
            receiptShows("tier", "Gold"),
            ReceiptScreen.clickNextOrder(),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("Rita Redeemer"),
            {
                content: "the member panel shows the balance after the paid order",
                trigger: ".o_membership_points:contains('156')",
            },
        ].flat(),
});

registry.category("web_tour.tours").add("membership_loyalty_redeem_cash_off", {
    steps: () =>
        [
            start(),
            ProductScreen.addOrderline("Member Tea", "3"),
            openRedeem(),
            { trigger: ".modal .o_membership_redeem_balance:contains('120')" },
            { content: "200 points", trigger: ".modal .o_membership_redeem_points", run: "edit 200" },
            { trigger: ".modal .o_membership_redeem_amount:value(20)" },
            { trigger: ".modal .o_membership_redeem_cashoff_apply", run: "click" },
            refused("Cash-off refused", "at most 50"),
            openRedeem(),
            { content: "10.00 off", trigger: ".modal .o_membership_redeem_amount", run: "edit 10" },
            { trigger: ".modal .o_membership_redeem_points:value(100)" },
            { trigger: ".modal .o_membership_redeem_cashoff_apply", run: "click" },
            ProductScreen.totalAmountIs("17.00"),
            payCash("17.00"),
            receiptShows("redeemed", "100"),
            receiptShows("earned", "17"),
            receiptShows("balance", "37"),
        ].flat(),
});

registry.category("web_tour.tours").add("membership_loyalty_redeem_gift", {
    steps: () =>
        [
            start(),
            ProductScreen.addOrderline("Member Tea", "1"),
            openRedeem(),
            {
                content: "the gift shows its cost and stock",
                trigger: ".modal .o_membership_redeem_gift:contains('30'):contains('1 in stock')",
            },
            { trigger: ".modal .o_membership_redeem_gift:contains('Member Mug')", run: "click" },
            ProductScreen.orderLineHas("Member Mug", "1", "0.00"),
            openRedeem(),
            { trigger: ".modal .o_membership_redeem_gift:contains('Member Mug')", run: "click" },
            refused("Gift refused", "out of stock"),
            payCash("9.00"),
            receiptShows("redeemed", "30"),
            receiptShows("balance", "99"),
        ].flat(),
});

registry.category("web_tour.tours").add("membership_loyalty_redeem_coupon", {
    steps: () =>
        [
            start(),
            openRedeem(),
            { trigger: ".modal .o_membership_redeem_coupon_buy:contains('50')", run: "click" },
            Dialog.is({ title: "E-coupon" }),
            Dialog.confirm("Ok"),
            {
                content: "the panel shows the balance left",
                trigger: ".o_membership_points:contains('70')",
            },
            ProductScreen.addOrderline("Member Tea", "1"),
            payCash("9.00"),
            { trigger: ".pos-receipt .o_membership_receipt_coupon_code" },
            receiptShows("balance", "79"),
        ].flat(),
});

registry.category("web_tour.tours").add("membership_loyalty_redeem_offline", {
    steps: () =>
        [
            start(),
            ProductScreen.addOrderline("Member Tea", "3"),
            { trigger: ".o_membership_earn:contains('+27')" },
            OfflineUtil.setOfflineMode(),
            ProductScreen.addOrderline("Member Tea", "1"),
            {
                content: "let the preview's delay pass",
                trigger: "body",
                run: () => new Promise((resolve) => setTimeout(resolve, 1000)),
            },
            { content: "offline: no figure rather than a wrong one", trigger: negate(".o_membership_earn") },
            openRedeem(),
            refused("Server unreachable", "needs the server"),
            OfflineUtil.setOnlineMode(),
        ].flat(),
});

registry.category("web_tour.tours").add("membership_loyalty_redeem_coupon_reprint", {
    steps: () =>
        [
            start(),
            openRedeem(),
            { trigger: ".modal .o_membership_redeem_coupon_buy:contains('50')", run: "click" },
            Dialog.is({ title: "E-coupon" }),
            Dialog.confirm("Ok"),
            ProductScreen.addOrderline("Member Tea", "1"),
            payCash("9.00"),
            { trigger: ".pos-receipt .o_membership_receipt_coupon_code" },
            ReceiptScreen.clickNextOrder(),
            // A reloaded till has only what the server sent back with the synced order.
            refresh(),
            ProductScreen.isShown(),
            Chrome.clickOrders(),
            TicketScreen.selectFilter("Paid"),
            TicketScreen.selectOrderByPrice("9.00"),
            {
                content: "reprint the receipt",
                trigger: ".ticket-screen .control-button:contains('Print Receipt')",
                run: "click",
            },
            {
                content: "the reprint shows the e-coupon's code the server linked to the order",
                trigger: ".render-container .o_membership_receipt_coupon_reprint .o_membership_receipt_coupon_code:contains('-')",
            },
        ].flat(),
});
