import { MembershipTill } from "@membership_loyalty/pos/membership_service";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { deserializeDate, formatDate } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";

/**
 * Prepaid packages at the till: the member's packages come with the member lookup; a use
 * puts the service on the order at price 0, naming the package. The server checks and
 * posts the use when the order syncs (it may refuse it: the order is then flagged).
 */
patch(MembershipTill.prototype, {
    async _call(kwargs, silent = false) {
        const result = await super._call(...arguments);
        const lines = result?.records?.["membership.package.line"];
        if (lines?.length) {
            // The lines an order line may name (learn() does not connect the records).
            this.pos.data.models.connectNewData({ "membership.package.line": lines });
        }
        return result;
    },

    /** The services of the member's packages that can still be used on ``order``. */
    packagesOf(order) {
        const member = this.memberOf(order);
        return (member?.packages || []).map((pkg) => ({
            ...pkg,
            onOrder: this.packageUsesOnOrder(order, pkg.id),
            expiry: pkg.expire_date ? formatDate(deserializeDate(pkg.expire_date)) : "",
        }));
    },

    packageUsesOnOrder(order, lineId) {
        return order
            .getOrderlines()
            .filter((line) => line.membership_package_line_id?.id === lineId)
            .reduce((total, line) => total + line.qty, 0);
    },

    /** Why one more use of ``pkg`` cannot go on the order ("" when it can). */
    packageRefusal(order, pkg) {
        const onOrder = this.packageUsesOnOrder(order, pkg.id);
        if (onOrder + 1 > pkg.uses_left) {
            return _t("%(service)s: no use left in %(package)s.", {
                service: pkg.service,
                package: pkg.package,
            });
        }
        if (pkg.max_per_visit && onOrder + 1 > pkg.max_per_visit) {
            return _t("%(service)s: at most %(max)s use(s) per visit.", {
                service: pkg.service,
                max: pkg.max_per_visit,
            });
        }
        return "";
    },

    async usePackage(order, pkg) {
        const refusal = this.packageRefusal(order, pkg);
        const record = this.pos.models["membership.package.line"].get(pkg.id);
        if (refusal || !record) {
            this.dialog.add(AlertDialog, {
                title: _t("Package use refused"),
                body: refusal || _t("Find the member again to use this package."),
            });
            return false;
        }
        let product = this.pos.models["product.product"].get(pkg.product_id);
        if (!product) {
            await this.pos.loadNewProducts([["id", "=", pkg.product_tmpl_id]]);
            product = this.pos.models["product.product"].get(pkg.product_id);
        }
        if (!product) {
            return false;
        }
        return await this.pos.addLineToOrder(
            {
                product_id: product,
                product_tmpl_id: product.product_tmpl_id,
                price_unit: 0,
                membership_package_line_id: record,
            },
            order,
            {},
            false
        );
    },

    /** After a paid order: the panel counts the uses taken (the server posted them). */
    packagesUsed(order) {
        const member = this.memberOf(order);
        for (const pkg of member?.packages || []) {
            pkg.uses_left -= this.packageUsesOnOrder(order, pkg.id);
        }
    },

    /** Refund lines of packages get the price of the uses left (the server's figure;
     * offline the whole price stays and the server holds the refund for review). */
    async packageRefundPrices(order) {
        const lines = (order?.getOrderlines() || []).filter(
            (line) => line.refunded_orderline_id?.product_id?.product_tmpl_id?.membership_package_type_id
        );
        if (!lines.length || this.pos.data.network?.offline) {
            return;
        }
        const prices = await this.pos.data.silentCall(
            "pos.session",
            "membership_pos_package_refund_prices",
            [[this.pos.session.id], lines.map((line) => line.refunded_orderline_id.id)]
        );
        for (const line of prices ? lines : []) {
            const units = Math.round(-line.qty);
            const values = (prices[line.refunded_orderline_id.id] || []).slice(0, units);
            if (units > 0 && values.length === units) {
                line.price_type = "manual";
                line.setUnitPrice(values.reduce((total, value) => total + value, 0) / units);
            }
        }
    },

    applyDiscounts(order) {
        super.applyDiscounts(...arguments);
        if (!order || order.finalized) {
            return;
        }
        // A package use is free: no tier discount on it.
        for (const line of order.getOrderlines()) {
            if (line.membership_package_line_id && line.membership_discount) {
                line.setDiscount(Math.max((line.discount || 0) - line.membership_discount, 0));
                line.membership_discount = 0;
            }
        }
    },
});
