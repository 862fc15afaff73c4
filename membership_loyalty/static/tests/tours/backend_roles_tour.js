// Back-office journeys of each Membership level, run as that level's user (see
// tests/test_roles_backend.py). Only web modules here: these tours load in back-office pages.
import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

function stateIs(label) {
    return {
        content: `the card is ${label}`,
        trigger: `.o_statusbar_status button.o_arrow_button_current:contains(${label})`,
    };
}

function fillModal(field, value) {
    return {
        content: `type ${value} in ${field}`,
        trigger: `.modal .o_field_widget[name=${field}] input`,
        run: `edit ${value}`,
    };
}

function confirmModal() {
    return {
        content: "confirm the dialog",
        trigger: ".modal .modal-footer button.btn-primary",
        run: "click",
    };
}

function pickInModal(field, search, label) {
    return [
        {
            content: `search ${search} in ${field}`,
            trigger: `.modal .o_field_widget[name=${field}] input`,
            run: `edit ${search}`,
        },
        {
            content: `pick ${label}`,
            trigger: `.o-autocomplete--dropdown-item:contains(${label})`,
            run: "click",
        },
    ];
}

function summaryShows(field, text) {
    return {
        content: `the member summary shows ${text} in ${field}`,
        trigger: `div[name=membership_summary] .o_field_widget[name=${field}]:contains(${text})`,
    };
}

function noDialogLeft() {
    return { content: "the dialog closed", trigger: "body:not(:has(.modal))" };
}

tours.add("membership_loyalty_backend_cashier", {
    steps: () => [
        {
            content: "enrol a new member from Membership > Members",
            trigger: ".o_control_panel_main_buttons .o-kanban-button-new",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=name] :is(input, textarea)",
            run: "edit Nora Newmember",
        },
        {
            trigger: ".o_field_widget[name=phone] input",
            run: "edit +32 470 12 34 37",
        },
        { trigger: ".o_form_button_save", run: "click" },
        { content: "the member is saved", trigger: ".o_form_saved" },
        summaryShows("member_tier_id", "Bronze"),
        summaryShows("member_card_state", "No card"),
        {
            content: "balances and tiers are not a cashier's to change",
            trigger:
                "div[name=membership_summary]:not(:has(button:contains(Adjust Balance)))" +
                ":not(:has(button:contains(Change Tier)))",
        },
        {
            content: "issue a card",
            trigger: "div[name=membership_summary] button:contains(Issue a Card)",
            run: "click",
        },
        {
            content: "the card type comes from the tier",
            trigger: ".modal .o_field_widget[name=card_type_id] input:value(Virtual)",
        },
        { trigger: ".modal button[name=action_issue]", run: "click" },
        stateIs("Active"),
        { content: "the cashier may print it", trigger: "button:contains(Print Card)" },
        { content: "report it lost", trigger: "button:contains(Report Lost)", run: "click" },
        fillModal("reason", "Lost on the bus"),
        confirmModal(),
        stateIs("Lost"),
        {
            content: "reactivating is a supervisor's",
            trigger: ".o_form_view:not(:has(button:contains(Reactivate)))",
        },
    ],
});

tours.add("membership_loyalty_backend_supervisor_card", {
    steps: () => [
        stateIs("Lost"),
        { content: "reactivate the card", trigger: "button:contains(Reactivate)", run: "click" },
        fillModal("reason", "Found in the shop"),
        confirmModal(),
        stateIs("Active"),
        { content: "replace the card", trigger: "button:contains(Replace)", run: "click" },
        {
            content: "search the blank cards in stock",
            trigger: ".modal .o_field_widget[name=lot_id] input",
            run: "edit 71000",
        },
        {
            content: "the serial of the lost card is no longer offered, the ones in stock are",
            trigger:
                ".o-autocomplete--dropdown-menu:has(.o-autocomplete--dropdown-item:contains(710000000020))" +
                ":not(:has(.o-autocomplete--dropdown-item:contains(710000000012)))",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains(710000000020)",
            run: "click",
        },
        fillModal("reason", "Chip broken"),
        confirmModal(),
        {
            content: "the new card opens",
            trigger: ".o_field_widget[name=number]:contains(710000000020)",
        },
        stateIs("Active"),
    ],
});

tours.add("membership_loyalty_backend_supervisor_balance", {
    steps: () => [
        summaryShows("wallet_paid_balance", "0.00"),
        {
            content: "top up at the counter",
            trigger: "div[name=membership_summary] button:contains(Adjust Balance)",
            run: "click",
        },
        fillModal("amount", "50"),
        fillModal("reason", "Paid in cash at the counter"),
        confirmModal(),
        noDialogLeft(),
        summaryShows("wallet_paid_balance", "50.00"),
        summaryShows("wallet_bonus_balance", "5.00"),
        {
            content: "correct the points",
            trigger: "div[name=membership_summary] button:contains(Adjust Balance)",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=operation] input[data-value=points]",
            run: "click",
        },
        fillModal("points", "25"),
        fillModal("reason", "Receipt 0042 not scanned"),
        confirmModal(),
        noDialogLeft(),
        summaryShows("points_balance", "25.00"),
    ],
});

tours.add("membership_loyalty_backend_manager", {
    steps: () => [
        summaryShows("member_tier_id", "Bronze"),
        {
            content: "change the tier by hand",
            trigger: "div[name=membership_summary] button:contains(Change Tier)",
            run: "click",
        },
        ...pickInModal("tier_id", "Gold", "Gold"),
        fillModal("reason", "Goodwill after a complaint"),
        confirmModal(),
        noDialogLeft(),
        summaryShows("member_tier_id", "Gold"),
        {
            content: "open the Loyalty Card tab",
            trigger: ".o_notebook .nav-link:contains(Loyalty Card)",
            run: "click",
        },
        {
            content: "the history keeps the reason",
            trigger:
                ".o_field_widget[name=member_tier_history_ids] td:contains(Goodwill after a complaint)",
        },
        ...[
            ["Members", "Segments", ".o_breadcrumb:contains(Segments)"],
            ["Members", "Campaigns", ".o_breadcrumb:contains(Campaigns)"],
            ["SMS", "Outbox", ".o_breadcrumb:contains(SMS Outbox)"],
            ["SMS", "Send a Campaign", ".modal .o_form_view"],
        ].flatMap(([menu, item, loaded]) => [
            {
                content: `open the ${menu} menu`,
                trigger: `.o_main_navbar button:contains(${menu})`,
                run: "click",
            },
            {
                content: `open ${item}`,
                trigger: `.dropdown-menu .dropdown-item:contains(${item})`,
                run: "click",
            },
            { content: `${item} loads`, trigger: loaded },
        ]),
        {
            content: "close the SMS campaign dialog",
            trigger: ".modal .modal-footer button:contains(Discard)",
            run: "click",
        },
        noDialogLeft(),
        ...[
            ["Dashboard", ".o_action_manager .o_form_view"],
            ["Member Distribution", ".o_breadcrumb:contains(Member Distribution)"],
            ["Churn Warning", ".o_breadcrumb:contains(Churn Warning)"],
            ["Points and Wallet", ".o_breadcrumb:contains(Points and Wallet)"],
        ].flatMap(
            ([report, loaded]) => [
                {
                    content: "open the Reporting menu",
                    trigger: ".o_main_navbar button:contains(Reporting)",
                    run: "click",
                },
                {
                    content: `open ${report}`,
                    trigger: `.dropdown-menu .dropdown-item:contains(${report})`,
                    run: "click",
                },
                { content: `${report} loads`, trigger: loaded },
            ]
        ),
    ],
});
