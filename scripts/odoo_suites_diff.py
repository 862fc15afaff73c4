#!/usr/bin/env python3
"""Compare two JUnit reports of Odoo's own suites: without the addon, then with it.

    python scripts/odoo_suites_diff.py WITHOUT.xml WITH.xml

Prints one row per module (tests, failures without and with the addon), the failures of
stock Odoo (present in both runs: known, not ours), and the tests that fail only with the
addon. Exits 1 when there is any of the latter, or a test ran in one run and not the other.
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


def main(without_path, with_path):
    without, with_ = outcomes(without_path), outcomes(with_path)
    failed_without = {t for t, o in without.items() if o == "failed"}
    failed_with = {t for t, o in with_.items() if o == "failed"}
    totals = Counter(module(t) for t in with_)
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
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
