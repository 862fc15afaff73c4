import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import { scan_barcode } from "@point_of_sale/../tests/generic_helpers/utils";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";
import * as TicketScreen from "@point_of_sale/../tests/pos/tours/utils/ticket_screen_util";
import { registry } from "@web/core/registry";

// Set up by tests/test_pos_package.py: the member's card, a "3 cuts" package of 90.00
// (at most 2 cuts a visit), the Package Cut service and a Shampoo at 5.00.
const CARD = "900077770064";

const scanMember = () =>
    [
        scan_barcode(CARD),
        { content: "the member is on the order", trigger: ".o_membership_name:contains('Pia Package')" },
    ].flat();

const payCash = (total) =>
    [
        ProductScreen.clickPayButton(),
        PaymentScreen.totalIs(total),
        PaymentScreen.clickPaymentMethod("Cash"),
        PaymentScreen.clickValidate(),
        ReceiptScreen.isShown(),
    ].flat();

const receiptCounts = (left) => ({
    content: `the receipt shows ${left} of 3 cuts left`,
    trigger: `.pos-receipt .o_membership_receipt_package:contains('Package Cut ${left}/3')`,
});

registry.category("web_tour.tours").add("membership_loyalty_package", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            // Sell the package to the member.
            scanMember(),
            ProductScreen.addOrderline("3 cuts", "1"),
            payCash("90.00"),
            receiptCounts(3),
            {
                content: "the receipt says until when",
                trigger: ".pos-receipt .o_membership_receipt_package:contains('valid until')",
            },
            ReceiptScreen.clickNextOrder(),
            // A later visit: the package pays the cut.
            scanMember(),
            {
                content: "the panel shows the package with its uses left",
                trigger: ".o_membership_package:contains('Package Cut'):contains('3 left')",
            },
            { trigger: ".o_membership_package:contains('Package Cut') .o_membership_package_use", run: "click" },
            ProductScreen.orderLineHas("Package Cut", "1", "0.00"),
            { trigger: ".o_membership_package:contains('2 left')" },
            { trigger: ".o_membership_package:contains('Package Cut') .o_membership_package_use", run: "click" },
            { trigger: ".o_membership_package:contains('1 left')" },
            { trigger: ".o_membership_package:contains('Package Cut') .o_membership_package_use", run: "click" },
            Dialog.is({ title: "Package use refused" }),
            Dialog.confirm("Ok"),
            {
                content: "the panel still says 1 left (2 on the order, 2 a visit at most)",
                trigger: ".o_membership_package:contains('1 left')",
            },
            ProductScreen.addOrderline("Shampoo", "1"),
            payCash("5.00"),
            receiptCounts(1),
            ReceiptScreen.clickNextOrder(),
            // One cut is refunded: its use comes back.
            ProductScreen.clickRefund(),
            TicketScreen.selectOrderByPrice("5.00"),
            { content: "pick the cut", trigger: ".ticket-screen .orderline:contains('Package Cut')", run: "click" },
            ProductScreen.clickNumpad("1"),
            TicketScreen.toRefundTextContains("To Refund: 1"),
            TicketScreen.confirmRefund(),
            PaymentScreen.isShown(),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            receiptCounts(2),
            ReceiptScreen.clickNextOrder(),
            // The package itself is refunded: the price of its 2 uses left, not 90.00.
            ProductScreen.clickRefund(),
            TicketScreen.selectOrderByPrice("90.00"),
            ProductScreen.clickNumpad("1"),
            TicketScreen.toRefundTextContains("To Refund: 1"),
            TicketScreen.confirmRefund(),
            PaymentScreen.isShown(),
            PaymentScreen.clickPaymentMethod("Cash"),
            PaymentScreen.selectedPaymentlineHas("Cash", "-60.00"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            {
                content: "the receipt says the package is refunded",
                trigger: ".pos-receipt .o_membership_receipt_package:contains('Refunded')",
            },
        ].flat(),
});
