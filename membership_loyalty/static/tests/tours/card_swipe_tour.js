import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import { negate } from "@point_of_sale/../tests/generic_helpers/utils";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import { registry } from "@web/core/registry";

// Cards and products created by tests/test_pos_card_swipe.py
const SWIPE = "%B800000000011^MEMBER/ADA^?;800000000011?";
const UNREADABLE = "%E?;E?";
const PRODUCT_EAN13 = "5449000000996";
// Monitor Stand of Odoo's POS test data: a shop's own code, shaped like a 125 kHz tag
const PRODUCT_TEN_DIGITS = "0123456789";

/** What a USB keyboard-wedge reader does: one keystroke per character, then Enter. */
function wedgeTypes(text) {
    return {
        content: `a keyboard-wedge reader types ${text} and Enter`,
        trigger: ".product-screen",
        run: () => {
            for (const key of [...text, "Enter"]) {
                document.body.dispatchEvent(
                    new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true })
                );
            }
        },
    };
}

registry.category("web_tour.tours").add("membership_loyalty_card_swipe", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            wedgeTypes(PRODUCT_EAN13),
            ProductScreen.selectedOrderlineHas("Swipe Water", "1"),
            { content: "a product barcode attaches no member", trigger: negate(".o_membership_panel") },
            wedgeTypes(PRODUCT_TEN_DIGITS),
            ProductScreen.selectedOrderlineHas("Monitor Stand", "1"),
            { content: "a product's ten-digit code is no card", trigger: negate(".modal") },
            wedgeTypes(UNREADABLE),
            Dialog.is({ title: "Card refused" }),
            Dialog.bodyIs("could not be read"),
            Dialog.confirm("Ok"),
            { trigger: negate(".o_membership_panel") },
            wedgeTypes(SWIPE),
            { content: "member panel shows the member", trigger: '.o_membership_name:contains("Ada Swipe")' },
            { trigger: '.o_membership_card_state:contains("Active")' },
        ].flat(),
});
