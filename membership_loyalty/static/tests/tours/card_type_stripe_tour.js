// A Manager sets where a card type's stripe keeps the member number (see
// tests/test_pos_card_swipe.py): the card type opened from the Card Types list.
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("membership_loyalty_card_type_stripe", {
    steps: () => [
        {
            content: "open the card type's form from the list",
            trigger: ".o_list_view .o_data_row:contains(Stripe) .o_list_record_open_form_view button",
            run: "click",
        },
        {
            content: "the Magnetic Stripe settings show the default: any track",
            trigger:
                ".o_field_widget[name=stripe_track] input.o_select_menu_toggler:value(Any track), " +
                ".o_field_widget[name=stripe_track] .o_select_menu_toggler:contains(Any track)",
        },
        {
            content: "open the Stripe Track choices",
            trigger: ".o_form_view .o_field_widget[name=stripe_track] .o_select_menu_toggler",
            run: "click",
        },
        {
            content: "the number is on track 3",
            trigger: ".o_select_menu_menu .o_select_menu_item:contains(Track 3)",
            run: "click",
        },
        { trigger: ".o_form_button_save", run: "click" },
        { content: "the card type is saved", trigger: ".o_form_saved" },
    ],
});
