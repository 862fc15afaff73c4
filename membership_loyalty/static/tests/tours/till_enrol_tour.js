import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import { negate, scan_barcode } from "@point_of_sale/../tests/generic_helpers/utils";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";
import { registry } from "@web/core/registry";

// Set up by tests/test_pos_till_enrol.py: a shop in Belgium, blank cards 800000090012 and
// 800000090020 in stock (deposit 5.00), Paula Phone (+32 470 12 34 37), and Walt Wallet
// (card 900000000019, 120 points, 50.00 in the wallet; wallet payments earn no points).
const WALLET_CARD = "900000000019";

const start = () => [Chrome.startPoS(), Dialog.confirm("Open Register")].flat();

const fill = (field, value) => ({
    content: `type ${value} as the ${field}`,
    trigger: `.modal .o_membership_enrol_${field}`,
    run: `edit ${value}`,
});

const payWith = (method, total) => [
    ProductScreen.clickPayButton(),
    PaymentScreen.totalIs(total),
    PaymentScreen.clickPaymentMethod(method),
    PaymentScreen.clickValidate(),
    ReceiptScreen.isShown(),
].flat();

registry.category("web_tour.tours").add("membership_loyalty_till_enrol", {
    steps: () =>
        [
            start(),
            {
                content: "the member search offers to enrol a new member",
                trigger: ".o_membership_search .o_membership_new",
                run: "click",
            },
            Dialog.is({ title: "New member" }),
            fill("name", "Nina New"),
            fill("phone", "12"),
            { trigger: ".modal .o_membership_enrol_confirm", run: "click" },
            {
                content: "a refused phone is explained in the dialog, which stays open",
                trigger: ".modal .o_membership_enrol_error:contains('not a valid phone number in Belgium')",
            },
            {
                content: "what was typed is kept",
                trigger: ".modal .o_membership_enrol_name:value(Nina New)",
            },
            fill("phone", "0470 99 88 77"),
            { trigger: ".modal .o_membership_enrol_confirm", run: "click" },
            Dialog.isNot({ title: "New member" }),
            { content: "the new member is on the order", trigger: ".o_membership_name:contains('Nina New')" },
            { trigger: ".o_membership_card_state:contains('Active')" },
            {
                content: "the card's deposit is a line of the order",
                trigger: ".orderline:contains('Membership Card Fee / Deposit') .price:contains('5.00')",
            },
            payWith("Cash", "5.00"),
            {
                content: "the receipt names the card handed out",
                trigger: ".pos-receipt .o_membership_receipt_enrolled:contains('800000090012')",
            },
        ].flat(),
});

registry.category("web_tour.tours").add("membership_loyalty_till_phone_search", {
    steps: () =>
        [
            start(),
            {
                content: "type a national phone number in the member search",
                trigger: ".o_membership_search input",
                run: "edit 0470 12 34 37",
            },
            { trigger: ".o_membership_search input", run: "press Enter" },
            { content: "the member is found", trigger: ".o_membership_name:contains('Paula Phone')" },
            {
                content: "the panel keeps its parts apart (number, since, card)",
                trigger: ".o_membership_panel .o_membership_since:not(:contains('Card'))",
            },
        ].flat(),
});

registry.category("web_tour.tours").add("membership_loyalty_till_wallet_no_points", {
    steps: () =>
        [
            start(),
            scan_barcode(WALLET_CARD),
            { trigger: ".o_membership_name:contains('Walt Wallet')" },
            ProductScreen.addOrderline("Member Tea", "2"),
            { content: "the till previews the points", trigger: ".o_membership_earn:contains('+20')" },
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Member Wallet"),
            {
                content: "the payment screen says the wallet part earns no points",
                trigger: ".o_membership_payment_earn_note:contains('wallet payments earn no points')",
            },
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            {
                content: "the receipt says why the order earns nothing",
                trigger: ".pos-receipt .o_membership_receipt_earn_note:contains('wallet payments earn no points')",
            },
            {
                content: "and what is left in the wallet",
                trigger: ".pos-receipt .o_membership_receipt_wallet:contains('30.00')",
            },
        ].flat(),
});

registry.category("web_tour.tours").add("membership_loyalty_till_redeem_refusal", {
    steps: () =>
        [
            start(),
            scan_barcode(WALLET_CARD),
            { trigger: ".o_membership_name:contains('Walt Wallet')" },
            ProductScreen.addOrderline("Member Tea", "3"),
            { content: "open the redeem popup", trigger: ".o_membership_redeem_button", run: "click" },
            { trigger: ".modal .o_membership_redeem_balance:contains('120')" },
            { content: "too many points", trigger: ".modal .o_membership_redeem_points", run: "edit 200" },
            { trigger: ".modal .o_membership_redeem_cashoff_apply", run: "click" },
            {
                content: "the refusal shows in the popup, which stays open",
                trigger: ".modal .o_membership_redeem_error:contains('at most 50')",
            },
            { content: "10.00 off instead", trigger: ".modal .o_membership_redeem_amount", run: "edit 10" },
            { trigger: ".modal .o_membership_redeem_cashoff_apply", run: "click" },
            { content: "the popup closed", trigger: negate(".modal .o_membership_redeem_balance") },
            ProductScreen.totalAmountIs("20.00"),
            payWith("Cash", "20.00"),
        ].flat(),
});
