import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import { negate, refresh, run, scan_barcode } from "@point_of_sale/../tests/generic_helpers/utils";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";
import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";

// Card numbers created by tests/test_pos_member_till.py
const ACTIVE_CARD = "900000000019";
const LOST_CARD = "900000000027";

const panelShows = (name, tier) => [
    { content: "member panel shows the name", trigger: `.o_membership_name:contains("${name}")` },
    { content: "member panel shows the tier", trigger: `.o_membership_tier:contains("${tier}")` },
    { content: "member panel shows the card", trigger: `.o_membership_card_state:contains("Active")` },
];

const balancesShow = (points, wallet) => [
    { content: "member panel shows the points", trigger: `.o_membership_points:contains("${points}")` },
    { content: "member panel shows the wallet", trigger: `.o_membership_wallet:contains("${wallet}")` },
];

const searchMember = (text) => [
    {
        content: `type ${text} in the member search`,
        trigger: ".o_membership_search input",
        run: `edit ${text}`,
    },
    { trigger: ".o_membership_search input", run: "press Enter" },
];

registry.category("web_tour.tours").add("membership_loyalty_member_scan", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.addOrderline("Member Tea", "1"),
            ProductScreen.addOrderline("Member Bread", "1"),
            scan_barcode(ACTIVE_CARD),
            panelShows("Ada Member", "Gold"),
            balancesShow("120", "35.00"),
            {
                content: "the tier discount is on the tea line only, labelled as the tier's",
                trigger: ".orderline:contains('Member Tea') .o_membership_line_discount:contains('Gold member discount 10%')",
            },
            {
                content: "no discount on bread (no tier line for its category)",
                trigger: negate(".orderline:contains('Member Bread') .price-per-unit"),
            },
            ProductScreen.clickPayButton(),
            PaymentScreen.totalIs("14.00"),
            PaymentScreen.clickPaymentMethod("Cash"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            {
                content: "the receipt names the member's tier",
                trigger: ".pos-receipt .o_membership_receipt:contains('Gold')",
            },
        ].flat(),
});

registry.category("web_tour.tours").add("membership_loyalty_member_change", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.addOrderline("Member Tea", "1"),
            searchMember("ada"),
            {
                content: "two members match: the cashier picks one",
                trigger: ".modal .selection-item:contains('Ada Member')",
                run: "click",
            },
            panelShows("Ada Member", "Gold"),
            {
                trigger: ".orderline:contains('Member Tea') .price-per-unit:contains('10%')",
            },
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("Bob Plain"),
            {
                content: "no member panel for a customer who is not a member",
                trigger: negate(".o_membership_panel"),
            },
            {
                content: "the tier discount left with the member",
                trigger: negate(".orderline:contains('Member Tea') .price-per-unit"),
            },
            searchMember("+32 470 12 34 56"),
            panelShows("Ada Member", "Gold"),
            {
                content: "found by phone, the member gets the discount back",
                trigger: ".orderline:contains('Member Tea') .price-per-unit:contains('10%')",
            },
        ].flat(),
});

registry.category("web_tour.tours").add("membership_loyalty_lost_card", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.addOrderline("Member Tea", "1"),
            scan_barcode(LOST_CARD),
            Dialog.is({ title: "Card refused" }),
            Dialog.bodyIs("Lost"),
            Dialog.confirm("Ok"),
            { content: "no member attached", trigger: negate(".o_membership_panel") },
            { trigger: negate(".orderline .price-per-unit") },
            { trigger: ".o_membership_search input" },
        ].flat(),
});

registry.category("web_tour.tours").add("membership_loyalty_reader_push", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.addOrderline("Member Tea", "1"),
            run(
                () =>
                    rpc("/web/dataset/call_kw/pos.config/membership_test_push_read", {
                        model: "pos.config",
                        method: "membership_test_push_read",
                        args: [[odoo.pos_config_id]],
                        kwargs: {},
                    }),
                "a reader box pushes a card read to this till"
            ),
            panelShows("Ada Member", "Gold"),
            { trigger: ".orderline:contains('Member Tea') .price-per-unit:contains('10%')" },
        ].flat(),
});

registry.category("web_tour.tours").add("membership_loyalty_member_reload", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            scan_barcode(ACTIVE_CARD),
            panelShows("Ada Member", "Gold"),
            refresh(),
            panelShows("Ada Member", "Gold"),
            ProductScreen.addOrderline("Member Tea", "1"),
            {
                content: "after a reload, new lines still get the tier discount",
                trigger: ".orderline:contains('Member Tea') .price-per-unit:contains('10%')",
            },
        ].flat(),
});

const walletRefused = (reason) => [
    Dialog.is({ title: "Wallet payment refused" }),
    Dialog.bodyIs(reason),
    Dialog.confirm("Ok"),
];

registry.category("web_tour.tours").add("membership_loyalty_wallet_payment", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.addOrderline("Member Bread", "4"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Member Wallet"),
            walletRefused("Set the member"),
            { content: "no wallet line added", trigger: negate(".paymentline:contains('Member Wallet')") },
            PaymentScreen.clickBack(),
            scan_barcode(ACTIVE_CARD),
            balancesShow("120", "35.00"),
            ProductScreen.addOrderline("Member Tea", "2"),
            ProductScreen.clickPayButton(),
            PaymentScreen.totalIs("38.00"),
            PaymentScreen.clickPaymentMethod("Member Wallet"),
            walletRefused("cannot be paid"),
            PaymentScreen.clickPaymentMethod("Cash"),
            PaymentScreen.enterPaymentLineAmount("Cash", "18", true, { remaining: "20.0" }),
            PaymentScreen.clickPaymentMethod("Member Wallet"),
            PaymentScreen.selectedPaymentlineHas("Member Wallet", "20.00"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            {
                content: "the receipt shows what is left in the wallet",
                trigger: ".pos-receipt .o_membership_receipt_wallet:contains('15.00')",
            },
        ].flat(),
});

registry.category("web_tour.tours").add("membership_loyalty_member_boost", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.addOrderline("Member Tea", "1"),
            ProductScreen.addOrderline("Member Bread", "1"),
            scan_barcode(ACTIVE_CARD),
            panelShows("Ada Member", "Gold"),
            {
                content: "the panel says a campaign boosts the tier discount",
                trigger: ".o_membership_boost:contains('+5% offer')",
            },
            {
                content: "the tea line gets the tier's 10% and the campaign's 5%",
                trigger: ".orderline:contains('Member Tea') .o_membership_line_discount:contains('Gold member discount 15%')",
            },
            {
                content: "bread stays undiscounted: the boost raises the tier's discounts only",
                trigger: negate(".orderline:contains('Member Bread') .price-per-unit"),
            },
            ProductScreen.clickPayButton(),
            PaymentScreen.totalIs("13.50"),
            PaymentScreen.clickPaymentMethod("Cash"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
        ].flat(),
});
