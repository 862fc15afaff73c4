import { Component, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { _t } from "@web/core/l10n/translation";

/**
 * A new member at the till: name and phone (email and birthdate optional). The server
 * creates the member and issues a card; a refusal stays in the dialog, with what was typed.
 */
export class MembershipEnrolPopup extends Component {
    static template = "membership_loyalty.EnrolPopup";
    static components = { Dialog };
    static props = {
        query: { type: String, optional: true },
        enrol: Function,
        getPayload: Function,
        close: Function,
    };

    setup() {
        const query = (this.props.query || "").trim();
        const isPhone = /^\+?[\d\s().\-/]+$/.test(query);
        this.state = useState({
            name: isPhone ? "" : query,
            phone: isPhone ? query : "",
            email: "",
            birthdate: "",
            error: "",
            busy: false,
        });
    }

    get title() {
        return _t("New member");
    }

    async confirm() {
        if (this.state.busy) {
            return;
        }
        this.state.busy = true;
        this.state.error = "";
        try {
            const result = await this.props.enrol({
                name: this.state.name,
                phone: this.state.phone,
                email: this.state.email || null,
                birthdate: this.state.birthdate || null,
            });
            if (result.error) {
                this.state.error = result.error;
                return;
            }
            this.props.getPayload(result);
            this.props.close();
        } finally {
            this.state.busy = false;
        }
    }
}
