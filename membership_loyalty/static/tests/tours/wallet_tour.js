import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import * as NumberPopup from "@point_of_sale/../tests/generic_helpers/number_popup_util";
import { scan_barcode } from "@point_of_sale/../tests/generic_helpers/utils";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";
import * as TicketScreen from "@point_of_sale/../tests/pos/tours/utils/ticket_screen_util";
import { registry } from "@web/core/registry";

// Card created by tests/test_pos_wallet_till.py; the member holds 35.00 in the wallet.
const CARD = "900000000019";

const scanMember = () =>
    [
        scan_barcode(CARD),
        { content: "the member is on the order", trigger: '.o_membership_name:contains("Ada Member")' },
    ].flat();

const typeInPopup = (value) => [NumberPopup.enterValue(value), Dialog.confirm("Confirm")].flat();

registry.category("web_tour.tours").add("membership_loyalty_wallet_topup", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            scanMember(),
            ProductScreen.clickControlButton("Top up wallet"),
            { content: "type 60", trigger: ".modal .o_membership_topup_amount", run: "edit 60" },
            {
                content: "the bonus shows while typing",
                trigger: ".modal .o_membership_topup_bonus:contains('$ 5.00')",
            },
            { trigger: ".modal .o_membership_topup_points:contains('20')" },
            Dialog.confirm("Add top-up"),
            { content: "the top-up line is on the order", trigger: ".orderline:contains('Wallet Top-up')" },
            ProductScreen.clickPayButton(),
            PaymentScreen.totalIs("60.00"),
            PaymentScreen.clickPaymentMethod("Member Wallet"),
            Dialog.is({ title: "Wallet payment refused" }),
            Dialog.bodyIs("cannot be topped up with wallet money"),
            Dialog.confirm("Ok"),
            PaymentScreen.clickPaymentMethod("Cash"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            {
                content: "the receipt shows the top-up and its bonus",
                trigger: ".pos-receipt .o_membership_receipt_topup:contains('bonus credit $ 5.00')",
            },
            {
                content: "and the wallet it leaves (35.00 + 60.00 + 5.00 bonus)",
                trigger: ".pos-receipt .o_membership_receipt_wallet:contains('100.00')",
            },
        ].flat(),
});

registry.category("web_tour.tours").add("membership_loyalty_wallet_pin", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            scanMember(),
            ProductScreen.addOrderline("Member Tea", "3"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Member Wallet"),
            PaymentScreen.selectedPaymentlineHas("Member Wallet", "30.00"),
            PaymentScreen.clickValidate(),
            Dialog.is({ title: "Wallet PIN" }),
            typeInPopup("9999"),
            Dialog.is({ title: "Wrong PIN" }),
            Dialog.bodyIs("2 tries left"),
            Dialog.confirm("Ok"),
            PaymentScreen.clickValidate(),
            typeInPopup("1234"),
            ReceiptScreen.isShown(),
            {
                content: "the receipt shows what is left in the wallet",
                trigger: ".pos-receipt .o_membership_receipt_wallet:contains('5.00')",
            },
        ].flat(),
});

registry.category("web_tour.tours").add("membership_loyalty_wallet_refund", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            scanMember(),
            ProductScreen.addOrderline("Member Tea", "2"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Member Wallet"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            ReceiptScreen.clickNextOrder(),
            ProductScreen.clickRefund(),
            {
                content: "pick the member's order",
                trigger: ".ticket-screen .order-row:contains('Ada Member')",
                run: "click",
            },
            ProductScreen.clickNumpad("2"),
            TicketScreen.toRefundTextContains("To Refund: 2"),
            TicketScreen.confirmRefund(),
            PaymentScreen.isShown(),
            PaymentScreen.clickPaymentMethod("Member Wallet"),
            PaymentScreen.selectedPaymentlineHas("Member Wallet", "-20.00"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            {
                content: "the refund receipt shows the wallet it leaves (35.00 - 20.00 + 20.00)",
                trigger: ".pos-receipt .o_membership_receipt_wallet:contains('35.00')",
            },
        ].flat(),
});

// A sale of 3 teas paid 10.00 in cash and 20.00 from the wallet (the cash part earns 10
// points), then 2 of the 3 teas refunded back to the wallet: 20.00, what the sale took.
registry.category("web_tour.tours").add("membership_loyalty_wallet_points_refund", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            scanMember(),
            ProductScreen.addOrderline("Member Tea", "3"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Cash"),
            PaymentScreen.enterPaymentLineAmount("Cash", "10"),
            PaymentScreen.clickPaymentMethod("Member Wallet"),
            PaymentScreen.selectedPaymentlineHas("Member Wallet", "20.00"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            {
                content: "the receipt shows the points the cash part earned",
                trigger: ".pos-receipt .o_membership_receipt_earned:contains('10')",
            },
            {
                content: "the receipt shows what is left in the wallet",
                trigger: ".pos-receipt .o_membership_receipt_wallet:contains('15.00')",
            },
            ReceiptScreen.clickNextOrder(),
            ProductScreen.clickRefund(),
            {
                content: "pick the member's order",
                trigger: ".ticket-screen .order-row:contains('Ada Member')",
                run: "click",
            },
            ProductScreen.clickNumpad("2"),
            TicketScreen.toRefundTextContains("To Refund: 2"),
            TicketScreen.confirmRefund(),
            PaymentScreen.isShown(),
            PaymentScreen.clickPaymentMethod("Member Wallet"),
            PaymentScreen.selectedPaymentlineHas("Member Wallet", "-20.00"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
        ].flat(),
});
