import { MembershipTill } from "@membership_loyalty/pos/membership_service";
import { MembershipEnrolPopup } from "@membership_loyalty/pos/enrol/enrol_popup";
import { makeAwaitable } from "@point_of_sale/app/utils/make_awaitable_dialog";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";

/**
 * Enrolment at the till: the server creates the member and issues a card from the shop's
 * blank stock; the till attaches the member and sells the card's fee or deposit on the
 * order, paid like any sale.
 */
patch(MembershipTill.prototype, {
    async enrol(query = "") {
        const order = this.pos.getOrder() || this.pos.addNewOrder();
        if (order.finalized) {
            return false;
        }
        const result = await makeAwaitable(this.dialog, MembershipEnrolPopup, {
            query,
            enrol: (values) => this._enrolCall(values),
        });
        if (!result) {
            return false;
        }
        this.pos.data.models.connectNewData(result.records);
        const partner = this.pos.models["res.partner"].get(result.member.partner_id);
        this.state.members[partner.id] = result.member;
        if (result.charge) {
            await this._addCharge(order, result.charge);
        }
        this.pos.setPartnerToCurrentOrder(partner);
        order.uiState.membershipEnrolled = { card: result.member.card_number };
        return partner;
    },

    /** The server's answer, or {error} with its message (the dialog stays open). */
    async _enrolCall(values) {
        const employee = this._employee?.();
        try {
            return await this.pos.data.call(
                "pos.session",
                "membership_pos_enrol",
                [[this.pos.session.id]],
                { ...values, employee_id: employee?.id || null }
            );
        } catch (error) {
            const message = error?.data?.message || error?.message;
            if (!message || error?.name === "ConnectionLostError") {
                return { error: _t("Enrolling a member needs the server: try again online.") };
            }
            return { error: message };
        }
    },

    /** Whoever works the till may enrol members (Membership Cashier or above). */
    canEnrol() {
        return typeof this.tillRights === "function" && this.tillRights().level !== "none";
    },

    async _addCharge(order, charge) {
        let product = this.pos.models["product.product"].get(charge.product_id);
        if (!product) {
            await this.pos.loadNewProducts([["id", "=", charge.product_tmpl_id]]);
            product = this.pos.models["product.product"].get(charge.product_id);
        }
        if (!product) {
            return false;
        }
        return await this.pos.addLineToOrder(
            {
                product_id: product,
                product_tmpl_id: product.product_tmpl_id,
                price_unit: charge.amount,
            },
            order,
            {},
            false
        );
    },
});
