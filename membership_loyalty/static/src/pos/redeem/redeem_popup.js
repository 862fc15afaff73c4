import { Component, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { _t } from "@web/core/l10n/translation";

/** The member's balance and what it buys: a cash-off, a gift or an e-coupon. */
export class MembershipRedeemPopup extends Component {
    static template = "membership_loyalty.RedeemPopup";
    static components = { Dialog };
    static props = {
        memberName: String,
        options: Object,
        available: Number,
        apply: Function,
        getPayload: Function,
        close: Function,
    };

    setup() {
        this.state = useState({
            points: "",
            amount: "",
            convert: "",
            error: "",
            errorTitle: "",
            busy: false,
        });
    }

    get title() {
        return _t("Redeem points: %(member)s", { member: this.props.memberName });
    }

    formatCurrency(amount) {
        return this.env.utils.formatCurrency(amount);
    }

    _round(value, digits) {
        const factor = 10 ** digits;
        return Math.round(value * factor) / factor;
    }

    onPoints(ev) {
        const points = parseFloat(ev.target.value);
        this.state.points = ev.target.value;
        this.state.amount = Number.isFinite(points)
            ? String(this._round(points * this.props.options.point_value, 2))
            : "";
    }

    onAmount(ev) {
        const amount = parseFloat(ev.target.value);
        this.state.amount = ev.target.value;
        const value = this.props.options.point_value;
        this.state.points =
            Number.isFinite(amount) && value > 0 ? String(this._round(amount / value, 2)) : "";
    }

    /** Whether the member's points buy ``cost`` (an unaffordable reward is disabled). */
    affords(cost) {
        return cost - this.props.available <= 0.005;
    }

    /** Apply the choice; a refusal stays in the popup with its reason. */
    async choose(payload) {
        if (this.state.busy) {
            return;
        }
        this.state.busy = true;
        this.state.error = "";
        try {
            const result = await this.props.apply(payload);
            if (result?.refused) {
                this.state.errorTitle = result.title;
                this.state.error = result.body;
                return;
            }
            this.props.getPayload(result);
            this.props.close();
        } finally {
            this.state.busy = false;
        }
    }

    /** The wallet credit the typed points buy at the server's rate ("" when none). */
    get convertCredit() {
        const points = parseFloat(this.state.convert);
        const convert = this.props.options.convert;
        if (!convert || !(points > 0)) {
            return "";
        }
        return this.formatCurrency(this._round(points * convert.rate, 2));
    }

    onConvert(ev) {
        this.state.convert = ev.target.value;
    }

    applyConvert() {
        this.choose({ kind: "convert", points: parseFloat(this.state.convert) || 0 });
    }

    applyCashOff() {
        this.choose({ kind: "cashoff", amount: parseFloat(this.state.amount) || 0 });
    }
}
