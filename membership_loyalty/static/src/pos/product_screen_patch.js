import { useBarcodeReader } from "@point_of_sale/app/hooks/barcode_reader_hook";
import { ProductScreen } from "@point_of_sale/app/screens/product_screen/product_screen";
import { patch } from "@web/core/utils/patch";

patch(ProductScreen.prototype, {
    setup() {
        super.setup(...arguments);
        useBarcodeReader({
            membership_card: (code) => this._barcodeMembershipCardAction(code),
        });
    },

    /**
     * A card read, unless a product of the till carries that very barcode: a shop's own
     * product codes may look like what a card reader types (ten digits, like a 125 kHz
     * tag), and scanning a product must keep adding the product.
     */
    async _barcodeMembershipCardAction(code) {
        const barcode = code.base_code || code.code;
        const product =
            this.pos.models["product.product"].getBy("barcode", barcode) ||
            this.pos.models["product.uom"].getBy("barcode", barcode)?.product_id;
        if (product) {
            return this._barcodeProductAction({ ...code, type: "product", base_code: barcode });
        }
        return this.pos.membership.identify({ code: code.code });
    },
});
