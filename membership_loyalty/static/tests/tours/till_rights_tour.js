import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import * as SelectionPopup from "@point_of_sale/../tests/generic_helpers/selection_popup_util";
import { negate, scan_barcode } from "@point_of_sale/../tests/generic_helpers/utils";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import { registry } from "@web/core/registry";

// Employees and card created by tests/test_pos_wallet_till.py: Sam is a basic employee
// linked to a Membership Supervisor, Nora a manager employee linked to a user without
// Membership rights. The till shows what the server decided for each of them.
const CARD = "900000000019";

// pos_hr's own steps, written here: this addon does not depend on pos_hr, and a tour file
// importing its helpers would break the test assets of a database without it.
const chooseCashier = (trigger, name) => [
    { content: "open the cashier list", trigger, run: "click" },
    ...[SelectionPopup.has(name, { run: "click" })].flat(),
];

const actions = (present, absent) => [
    ...ProductScreen.clickControlButtonMore(),
    { content: "the actions are shown", trigger: ".modal .control-buttons" },
    ...present.map((selector) => ({ content: `${selector} shows`, trigger: `.modal ${selector}` })),
    ...absent.map((selector) => ({
        content: `${selector} does not show`,
        trigger: negate(`.modal ${selector}`),
    })),
    Dialog.cancel(),
];

registry.category("web_tour.tours").add("membership_loyalty_till_rights_pos_hr", {
    steps: () =>
        [
            Chrome.clickBtn("Open Register"),
            chooseCashier(".login-overlay .select-cashier", "Sam Supervisor"),
            Dialog.confirm("Open Register"),
            scan_barcode(CARD),
            { content: "the member is on the order", trigger: '.o_membership_name:contains("Ada Member")' },
            actions([".o_membership_replace_button", ".o_membership_topup_button"], []),
            chooseCashier(".cashier-name", "Nora Nomember"),
            { content: "the cashier list is closed", trigger: negate(".selection-item") },
            actions([], [".o_membership_replace_button", ".o_membership_topup_button"]),
        ].flat(),
});
