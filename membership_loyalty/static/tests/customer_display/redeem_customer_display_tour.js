import * as CustomerDisplay from "@point_of_sale/../tests/customer_display/customer_display_utils";
import { negate } from "@point_of_sale/../tests/generic_helpers/utils";
import { registry } from "@web/core/registry";

// What the till sends for an order of a member (see redeem/customer_display_adapter_patch.js).
const line = {
    productName: "Member Tea",
    price: "$ 27.00",
    qty: "3.00",
    unit: "Units",
    unitPrice: "$ 9.00",
    customerNote: "",
    internalNote: "[]",
    comboParent: "",
    packLotLines: [],
    price_without_discount: "$ 30.00",
    isSelected: false,
    productId: 1,
};
const order = (membership) =>
    JSON.stringify({
        lines: [line],
        finalized: false,
        amount: "27.00",
        paymentLines: [],
        change: 0,
        membership,
    });

registry.category("web_tour.tours").add("membership_loyalty_customer_display", {
    steps: () =>
        [
            CustomerDisplay.addProduct(
                order({ name: "Rita Redeemer", tier: "Gold", points: 120, earn: 27 }),
                "a member's order"
            ),
            {
                content: "the customer sees the member's name and tier",
                trigger: ".o_membership_customer_display:contains('Rita Redeemer'):contains('Gold')",
            },
            { trigger: ".o_membership_customer_display:contains('Points: 120')" },
            { trigger: ".o_membership_customer_display:contains('This order earns +27')" },
            CustomerDisplay.postMessage(order(null), "no member on the order"),
            { content: "nothing about members", trigger: negate(".o_membership_customer_display") },
        ].flat(),
});
