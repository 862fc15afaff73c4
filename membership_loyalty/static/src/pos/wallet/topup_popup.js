import { Component, onWillUnmount, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";

// The till asks the server for the bonus once the cashier stops typing.
export const TOPUP_PREVIEW_DELAY_MS = 300;

/**
 * The top-up amount, with the bonus it earns shown while the cashier types (the server's
 * bonus rules, asked through ``preview``). Confirms with the server's last preview.
 */
export class MembershipTopupPopup extends Component {
    static template = "membership_loyalty.TopupPopup";
    static components = { Dialog };
    static props = {
        title: String,
        preview: Function,
        getPayload: Function,
        close: Function,
    };

    setup() {
        this.state = useState({ amount: "", preview: null, asking: false });
        this.timer = null;
        this.asked = 0; // rank of the last question: older answers are dropped
        onWillUnmount(() => clearTimeout(this.timer));
    }

    formatCurrency(amount) {
        return this.env.utils.formatCurrency(amount);
    }

    onInput(ev) {
        this.state.amount = ev.target.value;
        this.state.preview = null;
        clearTimeout(this.timer);
        const amount = parseFloat(String(ev.target.value).replace(",", "."));
        if (!(amount > 0)) {
            return;
        }
        this.state.asking = true;
        this.timer = setTimeout(() => this.ask(amount), TOPUP_PREVIEW_DELAY_MS);
    }

    async ask(amount) {
        const rank = ++this.asked;
        const preview = await this.props.preview(amount);
        if (rank === this.asked) {
            this.state.preview = preview;
            this.state.asking = false;
        }
    }

    get ready() {
        return this.state.preview?.status === "ok" && !this.state.asking;
    }

    confirm() {
        if (this.ready) {
            this.props.getPayload(this.state.preview);
            this.props.close();
        }
    }
}
