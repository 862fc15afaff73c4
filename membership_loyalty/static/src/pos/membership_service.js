import { reactive } from "@odoo/owl";
import { SelectionPopup } from "@point_of_sale/app/components/popups/selection_popup/selection_popup";
import { makeAwaitable } from "@point_of_sale/app/utils/make_awaitable_dialog";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";

export const CARD_READ = "MEMBERSHIP_CARD_READ";

/**
 * Members at the till: looks members up on the server (one call, nothing preloaded),
 * keeps what the till knows of them per partner id, and applies the tier's category
 * discounts to the order lines. The POS patches only call into this service.
 */
export class MembershipTill {
    constructor(env, { pos, dialog, bus_service }) {
        this.pos = pos;
        this.dialog = dialog;
        // partner id -> member info from the server, or null for "not a member"
        this.state = reactive({ members: {} });
        this.learning = new Set(); // partner ids asked about and not answered yet
        pos.membership = this;
        this.listenToReaders(bus_service);
        // Orders restored after a reload keep their customer: learn who is a member again.
        for (const order of pos.models["pos.order"].filter((o) => !o.finalized)) {
            if (order.getPartner()) {
                this.learn(order.getPartner());
            }
        }
    }

    memberOf(order) {
        const partner = order?.getPartner();
        return (partner && this.state.members[partner.id]) || null;
    }

    async _call(kwargs, silent = false) {
        return await this.pos.data[silent ? "silentCall" : "call"](
            "pos.session",
            "membership_pos_lookup",
            [[this.pos.session.id]],
            kwargs
        );
    }

    async _lookup({ code = null, query = null, partner_id = null, read_id = null }) {
        if (read_id) {
            return await this.pos.data.call(
                "pos.session",
                "membership_pos_reader_lookup",
                [[this.pos.session.id], read_id]
            );
        }
        return await this._call({ code, query, partner_id });
    }

    /**
     * Identify the member from a card code, a search text or a card read pushed by a
     * reader box, and attach them to the order.
     */
    async identify(request) {
        const result = await this._lookup(request);
        if (result.status === "ambiguous") {
            const chosen = await makeAwaitable(this.dialog, SelectionPopup, {
                title: result.message,
                list: result.candidates.map((c) => ({
                    id: c.partner_id,
                    label: c.name,
                    description: c.details || c.member_number,
                    item: c.partner_id,
                })),
            });
            return chosen ? await this.identify({ partner_id: chosen }) : false;
        }
        if (result.status !== "ok") {
            this.dialog.add(AlertDialog, {
                title:
                    result.status === "refused" ? _t("Card refused") : _t("No member selected"),
                body: result.message,
            });
            return false;
        }
        this.pos.data.models.connectNewData(result.records);
        const partner = this.pos.models["res.partner"].get(result.member.partner_id);
        this.state.members[partner.id] = result.member;
        const order = this.pos.getOrder() || this.pos.addNewOrder();
        if (order.finalized) {
            return false; // a paid order keeps its customer (e.g. a card tapped on the receipt)
        }
        if (order.getPartner() !== partner) {
            this.pos.setPartnerToCurrentOrder(partner);
        } else {
            this.applyDiscounts(order);
        }
        return partner;
    }

    /** A partner chosen from the customer list: learn whether they are a member. */
    async learn(partner) {
        const known = this.state.members[partner?.id];
        if (
            !partner ||
            (partner.id in this.state.members && !known?.wallet_pending) ||
            this.learning.has(partner.id)
        ) {
            return; // known, or already asked for (one call per customer)
        }
        this.learning.add(partner.id);
        // Offline, the partner simply gets no member discount until the next selection.
        const result = await this._call({ partner_id: partner.id }, true).finally(() =>
            this.learning.delete(partner.id)
        );
        if (!result) {
            return;
        }
        this.state.members[partner.id] = result.status === "ok" ? result.member : null;
        // Every open order of this customer (restored orders may share one) gets them.
        for (const open of this.pos.models["pos.order"].filter((o) => !o.finalized)) {
            if (open.getPartner() === partner) {
                this.applyDiscounts(open);
            }
        }
    }

    /** What the member's wallet holds as the till knows it: the server's paid and bonus
     * parts, plus what orders paid at this till moved since the server last said. */
    walletTotal(member) {
        return (member?.wallet_paid || 0) + (member?.wallet_bonus || 0) + (member?.wallet_pending || 0);
    }

    /**
     * After a paid order moved the member's wallet by `amount` (a payment is negative, a
     * refund to the wallet or a top-up positive): the panel shows the new total at once,
     * then the server's paid and bonus parts once it answers (it posted the order when it
     * synced). Offline, the member is asked again at their next selection.
     */
    async walletMoved(order, amount) {
        const member = this.memberOf(order);
        const partner = order.getPartner();
        if (!member || !amount) {
            return;
        }
        member.wallet_pending = (member.wallet_pending || 0) + amount;
        if (!order.membership_counted) {
            return; // not posted yet (offline): asked again at the member's next selection
        }
        const result = await this._call({ partner_id: partner.id }, true);
        if (result?.status === "ok") {
            this.state.members[partner.id] = result.member;
        }
    }

    /**
     * Card reads of this till's reader boxes arrive on a secret channel only this session's
     * user may subscribe to; a read carries a one-time id the server turns into the member.
     */
    async listenToReaders(bus) {
        const channel = await this.pos.data.silentCall(
            "pos.session",
            "membership_pos_reader_channel",
            [[this.pos.session.id]]
        );
        if (!channel) {
            return; // offline, or not this session's user: no reader pushes at this till
        }
        bus.subscribe(CARD_READ, (payload) => this.onCardRead(payload));
        bus.addChannel(channel);
    }

    async onCardRead(payload) {
        if (!payload?.read_id) {
            return;
        }
        return await this.identify({ read_id: payload.read_id });
    }

    /** Tier discount of the member on each line; the cashier's own discount is kept on top. */
    applyDiscounts(order) {
        if (!order || order.finalized) {
            return;
        }
        const member = this.memberOf(order);
        const discounts = member?.discounts || {};
        for (const line of order.getOrderlines()) {
            if (line.refunded_orderline_id) {
                continue; // a refund gives back what was paid, its discount included
            }
            if (member && line.product_id?.id === member.charge_product_id) {
                continue; // a card's fee or deposit is not a sale the tier discounts
            }
            const category = line.product_id?.product_tmpl_id?.categ_id;
            const rate = discounts[category?.id ?? category] || 0;
            const current = line.membership_discount || 0;
            if (rate === current) {
                continue;
            }
            const manual = Math.max((line.discount || 0) - current, 0);
            line.membership_discount = rate;
            line.setDiscount(Math.min(manual + rate, 100));
        }
        order.uiState.membership = member
            ? { name: member.name, number: member.member_number, tier: member.tier }
            : null;
    }
}

export const membershipTillService = {
    dependencies: ["pos", "dialog", "bus_service"],
    start(env, deps) {
        return new MembershipTill(env, deps);
    },
};

registry.category("services").add("membership_pos", membershipTillService);
