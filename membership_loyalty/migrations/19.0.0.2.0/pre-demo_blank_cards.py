def migrate(cr, version):
    """The demo's 100 blank cards (their lots and inventory quants) are made by a function
    of the demo data now, no longer records of the demo file. Drop the XML ids of those
    records and keep the records: an update would otherwise delete them as records the file
    no longer has (on-hand quants removed without a stock move). The function finds the
    lots by their serials and stocks nothing twice."""
    cr.execute(
        """DELETE FROM ir_model_data
            WHERE module = 'membership_loyalty'
              AND model IN ('stock.lot', 'stock.quant')
              AND name ~ '^demo_blank_(lot|quant)_[0-9]{3}$'"""
    )
