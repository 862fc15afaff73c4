import { MembershipTill } from "@membership_loyalty/pos/membership_service";
import { TextInputPopup } from "@point_of_sale/app/components/popups/text_input_popup/text_input_popup";
import { makeAwaitable } from "@point_of_sale/app/utils/make_awaitable_dialog";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";

/**
 * Card replacement at the till (a Membership Supervisor's job): the server closes the
 * card in use and issues a new one from the till's blank stock; the till sells the card
 * type's replacement fee on the order, paid like any sale (as at enrolment).
 */
patch(MembershipTill.prototype, {
    /** Only a supervisor replaces cards (the server checks it again). */
    canReplace() {
        return typeof this.tillRights === "function" && this.tillRights().level === "supervisor";
    },

    async replaceCard(order) {
        const member = this.memberOf(order);
        if (!member || order.finalized) {
            return false;
        }
        const reason = await makeAwaitable(this.dialog, TextInputPopup, {
            title: _t("Replace the card %(card)s: why?", { card: member.card_number }),
            placeholder: _t("Lost, damaged..."),
        });
        if (!reason?.trim()) {
            return false;
        }
        const employee = this._employee?.();
        let result;
        try {
            result = await this.pos.data.call(
                "pos.session",
                "membership_pos_replace_card",
                [[this.pos.session.id]],
                { partner_id: member.partner_id, reason, employee_id: employee?.id || null }
            );
        } catch (error) {
            const message = error?.data?.message || error?.message;
            this.dialog.add(AlertDialog, {
                title: _t("Card not replaced"),
                body:
                    !message || error?.name === "ConnectionLostError"
                        ? _t("Replacing a card needs the server: try again online.")
                        : message,
            });
            return false;
        }
        this.pos.data.models.connectNewData(result.records);
        this.state.members[member.partner_id] = result.member;
        if (result.charge) {
            await this._addCharge(order, result.charge);
        }
        order.uiState.membershipReplaced = { card: result.member.card_number };
        this.dialog.add(AlertDialog, {
            title: _t("Card replaced"),
            body: _t("New card %(card)s.", { card: result.member.card_number }),
        });
        return result;
    },
});
