import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import { scan_barcode } from "@point_of_sale/../tests/generic_helpers/utils";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";
import { registry } from "@web/core/registry";

// Set up by tests/test_pos_points_convert.py: 300 points, 0.05 of wallet credit per point,
// at least 100 points at once; a top-up of 50 or more gives 5.00 and a "Top-up Thanks"
// e-coupon. The till's user is a Membership Cashier.
const CARD = "900077770072";

const start = () =>
    [
        Chrome.startPoS(),
        Dialog.confirm("Open Register"),
        scan_barcode(CARD),
        {
            content: "the member is on the order",
            trigger: ".o_membership_name:contains('Connie Convert')",
        },
    ].flat();

const convert = (points) => [
    { content: `${points} points`, trigger: ".modal .o_membership_redeem_convert_points", run: `edit ${points}` },
    { trigger: ".modal .o_membership_redeem_convert_apply", run: "click" },
];

registry.category("web_tour.tours").add("membership_loyalty_points_convert", {
    steps: () =>
        [
            start(),
            { content: "open the redeem popup", trigger: ".o_membership_redeem_button", run: "click" },
            { trigger: ".modal .o_membership_redeem_convert:contains('at least 100 points')" },
            convert(50),
            {
                content: "below the minimum: refused, the popup stays open",
                trigger: ".modal .o_membership_redeem_error:contains('Conversion refused'):contains('At least 100')",
            },
            { content: "200 points", trigger: ".modal .o_membership_redeem_convert_points", run: "edit 200" },
            { content: "the credit they buy", trigger: ".modal .o_membership_redeem_convert_credit:contains('10.00')" },
            { trigger: ".modal .o_membership_redeem_convert_apply", run: "click" },
            Dialog.is({ title: "Points converted" }),
            Dialog.bodyIs("200 points converted"),
            Dialog.confirm("Ok"),
            { content: "the panel shows the points left", trigger: ".o_membership_points:contains('100')" },
            ProductScreen.addOrderline("Member Tea", "1"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Member Wallet"),
            PaymentScreen.selectedPaymentlineHas("Member Wallet", "10.00"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            {
                content: "the receipt shows the conversion",
                trigger: ".pos-receipt .o_membership_receipt_convert:contains('200'):contains('10.00')",
            },
        ].flat(),
});

registry.category("web_tour.tours").add("membership_loyalty_topup_coupon", {
    steps: () =>
        [
            start(),
            ProductScreen.clickControlButton("Top up wallet"),
            { content: "type 60", trigger: ".modal .o_membership_topup_amount", run: "edit 60" },
            {
                content: "the e-coupon the top-up earns shows while typing",
                trigger: ".modal .o_membership_topup_coupon:contains('Top-up Thanks')",
            },
            Dialog.confirm("Add top-up"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Cash"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            {
                content: "the receipt prints the e-coupon's code the server issued",
                trigger: ".pos-receipt .o_membership_receipt_topup_coupon_code:contains('-')",
            },
        ].flat(),
});
