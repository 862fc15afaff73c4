// The Membership dashboard of the Dashboards app, opened by a Membership manager (see
// tests/test_demo_story.py): every chart of the dashboard is drawn.
import { registry } from "@web/core/registry";

const CHARTS = 11;

registry.category("web_tour.tours").add("membership_loyalty_dashboard", {
    steps: () => [
        {
            content: "open the Membership dashboard",
            trigger: ".o_search_panel_category_value[data-name='Membership']",
            run: "click",
        },
        {
            content: "the Membership dashboard is the one shown",
            trigger: ".o_search_panel_category_value.active[data-name='Membership']",
        },
        {
            content: `its ${CHARTS} charts are drawn`,
            trigger: ".o_spreadsheet_dashboard_action .o-figure canvas",
            async run() {
                // The dashboard draws its charts as their data arrives: wait for all.
                const selector = ".o_spreadsheet_dashboard_action .o-figure";
                const isDrawn = (figure) => {
                    const canvas = figure.querySelector("canvas");
                    return canvas && canvas.width > 0 && canvas.height > 0;
                };
                let figures = [];
                for (let attempt = 0; attempt < 35; attempt++) {
                    figures = [...document.querySelectorAll(selector)];
                    if (figures.length === CHARTS && figures.every(isDrawn)) {
                        return;
                    }
                    await new Promise((resolve) => setTimeout(resolve, 200));
                }
                const drawn = figures.filter(isDrawn).length;
                throw new Error(
                    `expected ${CHARTS} charts drawn, found ${figures.length} figures, ${drawn} drawn`
                );
            },
        },
    ],
});
