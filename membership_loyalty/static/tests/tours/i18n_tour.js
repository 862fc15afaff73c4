import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import { registry } from "@web/core/registry";

// Set up by tests/test_i18n.py. The steps look for the addon's Chinese texts, so they fail
// when the zh_CN translations do not reach the page.
const tours = registry.category("web_tour.tours");
// The first page in a new language parses every module's zh_CN.po on the server: on a
// loaded machine that alone can take longer than a step's default 10 s.
const FIRST_LOAD = 60000;

tours.add("membership_loyalty_i18n_backend_zh", {
    steps: () => [
        {
            content: "the member form is open",
            trigger: ".o_form_view div[name=membership_summary]",
            run: "hover",
            timeout: FIRST_LOAD,
        },
        {
            content: "the member summary's button is in Chinese (Issue a Card)",
            trigger: "div[name=membership_summary_buttons] button:contains('发卡')",
        },
        {
            content: "the card state is in Chinese (No card)",
            trigger: "div[name=membership_summary] .o_field_widget[name=member_card_state]:contains(无卡)",
        },
        {
            content: "the systray marks Chinese as the current language",
            trigger: ".o_membership_language_current[data-lang=zh_CN]:contains(简体中文)",
        },
        {
            content: "one click back to English",
            trigger: ".o_membership_language[data-lang=en_US]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "the page is reloaded in English",
            trigger: "div[name=membership_summary] button:contains(Issue a Card)",
            timeout: FIRST_LOAD,
        },
        { trigger: ".o_membership_language[data-lang=zh_CN]:contains(简体中文)" },
    ],
});

tours.add("membership_loyalty_i18n_till_zh", {
    steps: () =>
        [
            { ...Chrome.startPoS()[0], timeout: FIRST_LOAD },
            Dialog.confirm(),
            {
                content: "the member search speaks Chinese",
                trigger: ".o_membership_search input[placeholder='会员：卡号、手机号、姓名']",
            },
            {
                content: "so does the enrol button (New member)",
                trigger: ".o_membership_search .o_membership_new:contains(新会员)",
            },
            {
                content: "find the member by name",
                trigger: ".o_membership_search input",
                run: "edit Wang Fang",
            },
            { trigger: ".o_membership_search input", run: "press Enter" },
            { trigger: ".o_membership_name:contains(Wang Fang)" },
            {
                content: "the member panel's labels are Chinese",
                trigger: ".o_membership_points:contains(积分：)",
            },
            { trigger: ".o_membership_wallet:contains(钱包：)" },
            { trigger: ".o_membership_card_state:contains(会员卡：)" },
        ].flat(),
});
