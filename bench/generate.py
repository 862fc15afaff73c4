#!/usr/bin/env python3
"""Data generator: fills a membership_loyalty database with a shop's life (CLI).

The engine is the addon's own (membership_loyalty/tools/shop_generator.py), so the demo
shop of `make run` and the bench volumes come from one generator. Presets: demo (300
members, the story: scores and a finished campaign; used by scripts/run.sh), quick (5,000
members, ~50k order lines), full (100,000 members, ~1M lines; goal <= 10 minutes).

    scripts/odoo-bin -d gen_t -i membership_loyalty --without-demo --stop-after-init
    .venv/bin/python bench/generate.py --database gen_t --preset quick

The configuration comes from $ODOO_RC, else .odoo/odoo.conf. Everything is committed at
the end, in one transaction, then read back through the ORM (balances, card numbers).
A database that already holds a generated shop is refused (exit status 1, nothing written).
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRESET_NAMES = ("demo", "full", "quick")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--preset", choices=PRESET_NAMES, default="full")
    parser.add_argument("--members", type=int, default=None, help="the preset's by default")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--quiet", action="store_true", help="print the total time only")
    args = parser.parse_args()

    from odoo import SUPERUSER_ID, api
    from odoo.exceptions import UserError
    from odoo.modules.registry import Registry
    from odoo.tools import config

    conf = os.environ.get("ODOO_RC") or str(ROOT / ".odoo/odoo.conf")
    config.parse_config(["-c", conf, "-d", args.database], setup_logging=False)
    registry = Registry(args.database)
    from odoo.addons.membership_loyalty.tools.shop_generator import Generator, verify

    def log(line):
        if not args.quiet:
            print(line, flush=True)

    start = time.perf_counter()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        generator = Generator(env, args.preset, members=args.members, seed=args.seed, log=log)
        try:
            counts = generator.run()
        except UserError as error:  # e.g. the database already holds a generated shop
            sys.exit(f"bench/generate.py: {error}")
        cr.commit()
    elapsed = time.perf_counter() - start
    log("-- rows written")
    for table, count in counts.items():
        log(f"{table:<40} {count:>10,}")
    members = generator.members
    print(f"{'generated in':<40} {elapsed:8.1f} s  ({members:,} members, preset {args.preset})")
    if args.preset != "demo":
        sys.path.insert(0, str(ROOT / "bench"))
        from figures import record

        lines = counts.get("pos_order_line", 0)
        record(
            f"generator: {members:,} members, {lines:,} order lines",
            elapsed,
            "s",
            goal=600,
            issue=9,
        )
    with registry.cursor() as cr:
        verify(api.Environment(cr, SUPERUSER_ID, {}), log=log)


if __name__ == "__main__":
    main()
