#!/usr/bin/env python3
"""Compare two JUnit reports of Odoo's own suites: without the addon, then with it.

    python scripts/odoo_suites_diff.py WITHOUT.xml WITH.xml
    python scripts/odoo_suites_diff.py --failed-only WITHOUT.xml WITH.xml
    python scripts/odoo_suites_diff.py --node-ids ADDONS_DIR WITH.xml

Prints one row per module (tests, failures without and with the addon), the failures of
stock Odoo (present in both runs: known, not ours), and the tests that fail only with the
addon. Exits 1 when there is any of the latter, or a test ran in one run and not the other.

With --failed-only the run without the addon re-ran only the tests that failed with it (the
quick comparison): each of them must have run there too, and only those failing with the
addon alone count. --node-ids prints the pytest node ids of the failures of a report, for
that re-run.
"""

import sys
import xml.etree.ElementTree as ET
from collections import Counter

ADDONS = "odoo.addons."


def outcomes(path):
    """{test id: "passed" | "failed" | "skipped"} of a JUnit report."""
    result = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        test = f"{case.get('classname')}.{case.get('name')}"
        if case.find("failure") is not None or case.find("error") is not None:
            result[test] = "failed"
        elif case.find("skipped") is not None:
            result[test] = "skipped"
        else:
            result[test] = "passed"
    return result


def module(test):
    """The Odoo module of a test id (its path below odoo/addons)."""
    parts = test.split(".")
    if "addons" in parts:
        return parts[parts.index("addons") + 1]
    return parts[0]


def node_ids(addons_dir, report):
    """pytest node ids (FILE::CLASS::TEST) of the failed tests of a JUnit report."""
    ids = []
    for test, outcome in sorted(outcomes(report).items()):
        if outcome != "failed" or ADDONS not in test:
            continue
        dotted, name = test.rsplit(".", 1)
        module_path, cls = dotted.split(ADDONS, 1)[1].rsplit(".", 1)
        ids.append(f"{addons_dir}/{module_path.replace('.', '/')}.py::{cls}::{name}")
    return ids


def main(without_path, with_path, failed_only=False):
    without, with_ = outcomes(without_path), outcomes(with_path)
    totals = Counter(module(t) for t in with_)
    if failed_only:
        # the run without the addon holds only the re-run failures: compare on those
        with_ = {t: o for t, o in with_.items() if o == "failed"}
    failed_without = {t for t, o in without.items() if o == "failed"}
    failed_with = {t for t, o in with_.items() if o == "failed"}
    print(f"{'module':<20}{'tests':>8}{'failed without':>16}{'failed with':>13}")
    for name in sorted(totals):
        print(
            f"{name:<20}{totals[name]:>8}"
            f"{sum(module(t) == name for t in failed_without):>16}"
            f"{sum(module(t) == name for t in failed_with):>13}"
        )
    known = sorted(failed_without & failed_with)
    print(f"\nstock Odoo failures (also without the addon): {len(known)}")
    for test in known:
        print(f"  {test}")
    fixed = sorted(failed_without - failed_with)
    if fixed:
        print(f"\nfail only without the addon: {len(fixed)}")
        for test in fixed:
            print(f"  {test}")
    ours = sorted(failed_with - failed_without)
    missing = sorted(set(without) ^ set(with_))
    print(f"\nfail only with the addon: {len(ours)}")
    for test in ours:
        print(f"  {test}")
    if missing:
        print(f"\nran in one run only: {len(missing)}")
        for test in missing:
            print(f"  {test}")
    return 1 if ours or missing else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "--node-ids":
        for node_id in node_ids(args[1], args[2]):
            print(node_id)
        sys.exit(0)
    failed_only = bool(args) and args[0] == "--failed-only"
    args = args[1:] if failed_only else args
    if len(args) != 2:
        sys.exit(__doc__)
    sys.exit(main(*args, failed_only=failed_only))
