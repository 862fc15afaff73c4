"""Which POS order lines are membership services rather than sales of goods.

Top-ups, a card's fee or deposit and catalogue gifts are not goods the shop sold: the
reports leave them out of sales, baskets, visits and top products. The points cash-off
line is a payment with points: it stays in a sale's amount (the member paid that much
less) but is no product of its own.
"""

CARD_CHARGE_XMLID = ("membership_loyalty", "product_membership_card_charge")


def service_products_query(with_points=True):
    """SQL subquery giving the ids of the membership service products of every company."""
    parts = [
        "SELECT membership_topup_product_id FROM res_company"
        " WHERE membership_topup_product_id IS NOT NULL",
        "SELECT res_id FROM ir_model_data WHERE model = 'product.product'"
        f" AND module = '{CARD_CHARGE_XMLID[0]}' AND name = '{CARD_CHARGE_XMLID[1]}'",
    ]
    if with_points:
        parts.append(
            "SELECT membership_points_product_id FROM res_company"
            " WHERE membership_points_product_id IS NOT NULL"
        )
    return " UNION ALL ".join(parts)


def service_amounts_query():
    """SQL subquery: per order, the amount (with and without taxes) of its service lines
    (top-ups and card charges; gifts are at price 0), to take off the order's total."""
    return f"""
        SELECT sl.order_id,
               SUM(sl.price_subtotal_incl) AS amount_incl,
               SUM(sl.price_subtotal) AS amount_excl
          FROM pos_order_line sl
         WHERE sl.product_id IN ({service_products_query(with_points=False)})
         GROUP BY sl.order_id
    """
