import { Component, onWillStart, useState } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";

/**
 * One click to read the back office (and the till opened afterwards) in another installed
 * language: a button per language in the systray, each named in its own language
 * ("简体中文", "Français"). It writes the user's own language, as the Preferences dialog
 * does, and reloads. Shown only when the database has more than one language.
 */
export class MembershipLanguageSwitcher extends Component {
    static template = "membership_loyalty.LanguageSwitcher";
    static props = {};

    setup() {
        this.orm = useService("orm");
        this.state = useState({ languages: [], busy: false });
        onWillStart(async () => {
            const installed = await this.orm.call("res.lang", "get_installed", []);
            this.state.languages = installed.length > 1 ? installed.map(([code, name]) => ({
                code,
                // "Chinese (Simplified) / 简体中文" reads as its own name: 简体中文
                label: name.includes(" / ") ? name.split(" / ").pop() : name,
                current: code === user.context.lang,
            })) : [];
        });
    }

    async switchTo(code) {
        if (this.state.busy) {
            return;
        }
        this.state.busy = true;
        await this.orm.write("res.users", [user.userId], { lang: code });
        browser.location.reload();
    }
}

registry.category("systray").add(
    "membership_loyalty.language_switcher",
    { Component: MembershipLanguageSwitcher },
    { sequence: 2 }
);
