import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import * as TextInputPopup from "@point_of_sale/../tests/generic_helpers/text_input_popup_util";
import { scan_barcode } from "@point_of_sale/../tests/generic_helpers/utils";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";
import { registry } from "@web/core/registry";

// Set up by tests/test_card_fees.py: the member's card type costs 3.00 to replace; the
// till's user is a Membership Supervisor.
const CARD = "900077770080";

registry.category("web_tour.tours").add("membership_loyalty_card_replace_fee", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            scan_barcode(CARD),
            { content: "the member is on the order", trigger: ".o_membership_name:contains('Fay Fee')" },
            ProductScreen.clickControlButton("Replace card"),
            TextInputPopup.inputText("Card lost on the bus"),
            Dialog.confirm("Apply"),
            Dialog.is({ title: "Card replaced" }),
            Dialog.confirm("Ok"),
            ProductScreen.orderLineHas("Membership Card Fee / Deposit", "1", "3.00"),
            ProductScreen.clickPayButton(),
            PaymentScreen.totalIs("3.00"),
            PaymentScreen.clickPaymentMethod("Cash"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            { content: "the receipt names the new card", trigger: ".pos-receipt .o_membership_receipt_replaced" },
        ].flat(),
});
