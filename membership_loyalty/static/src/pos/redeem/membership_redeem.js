import { reactive } from "@odoo/owl";
import { makeAwaitable } from "@point_of_sale/app/utils/make_awaitable_dialog";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { deserializeDate, formatDate } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { MembershipRedeemPopup } from "./redeem_popup";

// The till asks the server for the points to earn once the lines stop changing.
export const EARN_DELAY_MS = 400;

// The running service, for code that only gets an order (the customer display adapter).
export const membershipRedeemRef = { current: null };

/**
 * Member points on the selling side of the till: the points an order will earn (computed
 * by the server's earn rules), and redeeming points for a cash-off, a gift or an e-coupon.
 * The server re-checks everything when the order is synced.
 */
export class MembershipRedeem {
    constructor(env, { pos, dialog, membership_pos }) {
        this.pos = pos;
        this.dialog = dialog;
        this.till = membership_pos;
        // order uuid -> { signature of the lines asked about, points (null: not known) }
        this.state = reactive({ earn: {} });
        this.timers = {};
        this.options = null; // the last redeem options: point value and points product
        pos.membershipRedeem = this;
        membershipRedeemRef.current = this;
    }

    _rpc(method, ...args) {
        // Offline, or the server said no: silentCall gives false and the till shows nothing.
        if (this.pos.data.network?.offline) {
            return Promise.resolve(false);
        }
        return this.pos.data.silentCall("pos.session", method, [[this.pos.session.id], ...args]);
    }

    // ---------------------------------------------------------------- points to earn

    _earnLines(order) {
        return order
            .getOrderlines()
            .filter((line) => !line.refunded_orderline_id)
            .map((line) => ({ product_id: line.product_id.id, amount: line.priceIncl }));
    }

    /** What the preview of ``order`` depends on (member and lines). */
    earnSignature(order) {
        const member = this.till.memberOf(order);
        if (!order || order.finalized || !member) {
            return "";
        }
        return JSON.stringify([member.partner_id, this._earnLines(order)]);
    }

    /** Ask the server (debounced) for the points the order would earn. */
    scheduleEarn(order) {
        const signature = this.earnSignature(order);
        if (!order || this.state.earn[order.uuid]?.signature === signature) {
            return;
        }
        this.state.earn[order.uuid] = { signature, points: null };
        order.uiState.membershipEarn = null; // read by the customer display
        clearTimeout(this.timers[order.uuid]);
        const member = this.till.memberOf(order);
        const lines = signature ? this._earnLines(order) : [];
        if (!lines.length) {
            return;
        }
        this.timers[order.uuid] = setTimeout(async () => {
            const result = await this._rpc(
                "membership_pos_earn_preview",
                member.partner_id,
                lines
            );
            const current = this.state.earn[order.uuid];
            if (result && current?.signature === signature) {
                current.points = result.points;
                order.uiState.membershipEarn = result.points;
            }
        }, EARN_DELAY_MS);
    }

    /** What the customer display shows of the member (null: no member on the order). */
    customerDisplayData(order) {
        const member = this.till.memberOf(order);
        if (!member) {
            return null;
        }
        return {
            name: member.name,
            tier: member.tier || "",
            points: member.points,
            earn: order.uiState?.membershipEarn ?? null,
        };
    }

    /** Points the order would earn, or null when unknown (offline, not asked yet). */
    earnOf(order) {
        return this.state.earn[order?.uuid]?.points ?? null;
    }

    // ---------------------------------------------------------------- redeeming

    _isPointsLine(line, options) {
        return options.points_product_id && line.product_id?.id === options.points_product_id;
    }

    /** A cash-off line (points product) or a gift line. */
    isRedeemLine(line) {
        return Boolean(
            line.membership_gift_id ||
                (this.options && this._isPointsLine(line, this.options))
        );
    }

    /** Points used on the order and not yet posted (cash-off lines and gifts). */
    pointsUsed(order, options = this.options) {
        const pointValue = options?.point_value || 0;
        let points = 0;
        for (const line of order.getOrderlines()) {
            const gift = line.membership_gift_id;
            if (gift) {
                points += (gift.points_cost || 0) * line.qty;
            } else if (options && this._isPointsLine(line, options) && pointValue > 0) {
                points += Math.round((-line.priceIncl / pointValue) * 100) / 100;
            }
        }
        return points;
    }

    _refuse(title, body) {
        this.dialog.add(AlertDialog, { title, body });
        return false;
    }

    _offline() {
        return this._refuse(
            _t("Server unreachable"),
            _t("Redeeming points needs the server: try again when the till is online.")
        );
    }

    async _product(productId, templateId) {
        let product = this.pos.models["product.product"].get(productId);
        if (!product) {
            await this.pos.loadNewProducts([["id", "=", templateId]]);
            product = this.pos.models["product.product"].get(productId);
        }
        return product;
    }

    /** The Redeem button: balance and options from the server, then the cashier's choice. */
    async openRedeem(order) {
        const member = this.till.memberOf(order);
        if (!member || order.finalized) {
            return false;
        }
        const options = await this._rpc("membership_pos_redeem_options", member.partner_id);
        if (!options) {
            return this._offline();
        }
        this.options = options;
        member.points = options.balance;
        const available = options.balance - this.pointsUsed(order, options);
        // The popup stays open on a refusal and shows why; it closes once a choice applies.
        return await makeAwaitable(this.dialog, MembershipRedeemPopup, {
            memberName: member.name,
            options,
            available,
            apply: (choice) => this.applyChoice(order, member, options, available, choice),
        });
    }

    /** Apply the cashier's choice: the line or coupon added, or {refused, title, body}. */
    async applyChoice(order, member, options, available, choice) {
        if (choice.kind === "cashoff") {
            return await this.addCashOff(order, member, options, choice.amount);
        }
        if (choice.kind === "gift") {
            return await this.addGift(order, available, choice.gift);
        }
        if (choice.kind === "convert") {
            return await this.convertPoints(order, member, options, available, choice.points);
        }
        return await this.buyCoupon(order, member, options, available);
    }

    /** A refusal the redeem popup shows (it stays open). */
    _refusal(title, body) {
        return { refused: true, title, body };
    }

    _unreachable() {
        return this._refusal(
            _t("Server unreachable"),
            _t("Redeeming points needs the server: try again when the till is online.")
        );
    }

    /** The order's lines as the server's cash-off check reads them. */
    _cashOffLines(order) {
        return order.getOrderlines().map((line) => ({
            product_id: line.product_id.id,
            amount: line.priceIncl,
            gift_id: line.membership_gift_id?.id || false,
            qty: line.qty,
        }));
    }

    /** A cash-off line of `amount`, if the server's cash-off rules allow it on this order
     * (it checks them again when the paid order syncs). */
    async addCashOff(order, member, options, amount) {
        const check = await this._rpc(
            "membership_pos_cash_off_check",
            member.partner_id,
            Number.isFinite(amount) ? amount : 0,
            this._cashOffLines(order)
        );
        if (!check) {
            return this._unreachable();
        }
        if (check.status !== "ok") {
            return this._refusal(_t("Cash-off refused"), check.message);
        }
        const product = await this._product(
            options.points_product_id,
            options.points_product_tmpl_id
        );
        if (!product) {
            return this._refusal(_t("Cash-off refused"), _t("The points product is not set up."));
        }
        return await this.pos.addLineToOrder(
            { product_id: product, product_tmpl_id: product.product_tmpl_id, price_unit: -amount },
            order,
            {},
            false
        );
    }

    async addGift(order, available, gift) {
        if (gift.points_cost - available > 0.005) {
            return this._refusal(
                _t("Gift refused"),
                _t("Not enough points: %(available)s available, %(needed)s needed.", {
                    available,
                    needed: gift.points_cost,
                })
            );
        }
        const member = this.till.memberOf(order);
        const onOrder = order
            .getOrderlines()
            .filter((line) => line.membership_gift_id?.id === gift.id)
            .reduce((total, line) => total + line.qty, 0);
        const check = await this._rpc(
            "membership_pos_redeem_gift_check",
            member.partner_id,
            gift.id,
            onOrder + 1
        );
        if (!check) {
            return this._unreachable();
        }
        if (check.status !== "ok") {
            return this._refusal(_t("Gift refused"), check.message);
        }
        const product = await this._product(check.product_id, check.product_tmpl_id);
        const record = this.pos.models["membership.gift"].get(gift.id);
        if (!product || !record) {
            return this._refusal(_t("Gift refused"), _t("Reload the till to see this gift."));
        }
        return await this.pos.addLineToOrder(
            {
                product_id: product,
                product_tmpl_id: product.product_tmpl_id,
                price_unit: 0,
                membership_gift_id: record,
            },
            order,
            {},
            false
        );
    }

    async buyCoupon(order, member, options, available) {
        if (!options.coupon) {
            return this._refusal(_t("E-coupon refused"), _t("No e-coupon is offered here."));
        }
        if (options.coupon.points_cost - available > 0.005) {
            return this._refusal(
                _t("E-coupon refused"),
                _t("Not enough points: %(available)s available, %(needed)s needed.", {
                    available,
                    needed: options.coupon.points_cost,
                })
            );
        }
        const coupons = order.uiState.membershipCoupons || [];
        const result = await this._rpc(
            "membership_pos_redeem_coupon",
            member.partner_id,
            order.uuid,
            coupons.length
        );
        if (!result) {
            return this._unreachable();
        }
        if (result.status !== "ok") {
            return this._refusal(_t("E-coupon refused"), result.message);
        }
        if (result.expiration_date) {
            result.expiration_label = formatDate(deserializeDate(result.expiration_date));
        }
        if (!coupons.some((coupon) => coupon.code === result.code)) {
            order.uiState.membershipCoupons = [...coupons, result];
        }
        // The server links the coupons to the order when it syncs, by their ranks.
        order.membership_points_coupon_count = order.uiState.membershipCoupons.length;
        member.points = result.balance;
        this.dialog.add(AlertDialog, {
            title: _t("E-coupon %(code)s", { code: result.code }),
            body: _t("%(program)s: %(points)s points used. The code is printed on the receipt.", {
                program: result.program,
                points: result.points_cost,
            }),
        });
        return result;
    }

    /** The same checks as the server's conversion (it checks again and decides). */
    convertRefusal(options, available, points) {
        if (!options.convert) {
            return _t("Points cannot be converted into wallet credit here.");
        }
        if (!(points > 0)) {
            return _t("Enter the points to convert.");
        }
        if (points - options.convert.min_points < -0.005) {
            return _t("At least %(min)s points must be converted at once.", {
                min: options.convert.min_points,
            });
        }
        if (points - available > 0.005) {
            return _t("Not enough points: %(available)s available, %(needed)s needed.", {
                available,
                needed: points,
            });
        }
        return "";
    }

    /** Convert points into wallet bonus credit now (the server posts both moves at once,
     * keyed by the order and the conversion's rank on it); printed on the receipt. */
    async convertPoints(order, member, options, available, points) {
        const refusal = this.convertRefusal(options, available, points);
        if (refusal) {
            return this._refusal(_t("Conversion refused"), refusal);
        }
        const done = order.uiState.membershipConversions || [];
        const cashier = this.pos.getCashier();
        const employee = cashier && cashier !== this.pos.user ? cashier : null;
        const result = await this._rpc(
            "membership_pos_convert_points",
            member.partner_id,
            order.uuid,
            points,
            done.length,
            employee?.id || null
        );
        if (!result) {
            return this._unreachable();
        }
        if (result.status !== "ok") {
            return this._refusal(_t("Conversion refused"), result.message);
        }
        const credit = this.pos.env.utils.formatCurrency(result.credit);
        order.uiState.membershipConversions = [...done, { points: result.points, credit }];
        member.points = result.balance;
        member.wallet_paid = result.wallet_paid;
        member.wallet_bonus = result.wallet_bonus;
        this.dialog.add(AlertDialog, {
            title: _t("Points converted"),
            body: _t("%(points)s points converted into %(credit)s of wallet credit.", {
                points: result.points,
                credit,
            }),
        });
        return result;
    }

    /** Why the paid order earns fewer points than the preview showed (empty: it does
     * not): what the server's earn rules leave out, said on the receipt. */
    earnNote(order) {
        const member = this.till.memberOf(order);
        if (!member || member.wallet_earns) {
            return "";
        }
        const walletPaid = order.payment_ids
            .filter((line) => line.payment_method_id?.membership_is_wallet)
            .reduce((total, line) => total + line.getAmount(), 0);
        if (walletPaid <= 0) {
            return "";
        }
        if (walletPaid - order.priceIncl >= -0.005) {
            return _t("Paid from the wallet: wallet payments earn no points.");
        }
        return _t("The part paid from the wallet (%(amount)s) earns no points.", {
            amount: this.pos.env.utils.formatCurrency(walletPaid),
        });
    }

    /** After a paid order: the panel shows the balance the server posted (offline: the
     * points used are taken off; what is earned shows once the order syncs). */
    orderPaid(order, usedPoints) {
        const member = this.till.memberOf(order);
        if (!member) {
            return;
        }
        if (order.membership_counted) {
            member.points = order.membership_points_balance;
        } else {
            member.points -= usedPoints;
        }
    }
}

export const membershipRedeemService = {
    dependencies: ["pos", "dialog", "membership_pos"],
    start(env, deps) {
        return new MembershipRedeem(env, deps);
    },
};

registry.category("services").add("membership_pos_redeem", membershipRedeemService);
