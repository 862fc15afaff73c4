#!/usr/bin/env python3
"""Data generator: fills a membership_loyalty database with a shop's life (CLI).

The engine is the addon's own (membership_loyalty/tools/shop_generator.py), so the demo
shop of `make run` and the bench volumes come from one generator. Presets: demo (300
members, the story: scores and a finished campaign; used by scripts/run.sh), quick (5,000
members, ~50k order lines), full (100,000 members, ~1M lines; goal <= 10 minutes; bulk
writer), huge (1,000,000 members, ~10M lines; goal <= 25 minutes; bulk writer, on demand
only). A run below its preset's size (--members) also prints the time projected to the
preset's size: the configuration as measured, every other step scaled by the size.

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
PRESET_NAMES = ("demo", "full", "huge", "quick")
GOALS = {"huge": (1500, 21)}  # preset: (goal in seconds, issue); the others 600 s (issue 9)


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
    from odoo.addons.membership_loyalty.tools.shop_generator import PRESETS, verify
    from odoo.addons.membership_loyalty.tools.shop_generator_bulk import generator_for

    def log(line):
        if not args.quiet:
            print(line, flush=True)

    start = time.perf_counter()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        generator = generator_for(env, args.preset, members=args.members, seed=args.seed, log=log)
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
    lines = counts.get("pos_order_line", 0)
    figure = f"{members:,} members, {lines:,} order lines"
    size, projected = PRESETS[args.preset]["members"], None
    if members < size:
        fixed = generator.timings.get("configuration (ORM)", 0.0)
        projected = fixed + (elapsed - fixed) * size / members
        print(f"{'projected to ' + f'{size:,} members':<40} {projected:8.1f} s  (linear)")
    if args.preset != "demo":
        sys.path.insert(0, str(ROOT / "bench"))
        from figures import record

        goal, issue = GOALS.get(args.preset, (600, 9))
        if args.preset in GOALS and projected is not None:
            # The goal is the preset's size: the run below it is judged by its projection.
            figure = f"generator {args.preset}: {figure}, projected to {size:,} members"
            record(figure, projected, "s", goal=goal, issue=issue)
        else:
            record(f"generator: {figure}", elapsed, "s", goal=goal, issue=issue)
    with registry.cursor() as cr:
        verify(api.Environment(cr, SUPERUSER_ID, {}), log=log)


if __name__ == "__main__":
    main()
