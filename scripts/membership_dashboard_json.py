#!/usr/bin/env python3
"""Write the Membership spreadsheet dashboard (Odoo's spreadsheet_dashboard JSON):

    python3 scripts/membership_dashboard_json.py \
        > membership_loyalty/data/files/membership_dashboard.json

One sheet of Odoo charts over the membership reports, each linked to its report's menu
(a click opens it), a Period filter and a Store filter. Edit the CHARTS table and run it
again rather than the JSON.
"""

import json
import sys

PERIOD, STORE = "membership-period", "membership-store"
MODULE = "membership_loyalty"
# id, title, chart type, model, group by, measure, domain, date field, store field, menu,
# extra chart options
CHARTS = [
    (
        "members",
        "Members over time",
        "odoo_line",
        "membership.report.member",
        ["member_since:month"],
        "member_count",
        [],
        None,
        None,
        "membership_report_menu_new_member",
        {"cumulative": True, "fillArea": True},
    ),
    (
        "new_members",
        "New members",
        "odoo_bar",
        "membership.report.member",
        ["member_since:month"],
        "member_count",
        [],
        "member_since",
        None,
        "membership_report_menu_new_member",
        {},
    ),
    (
        "member_share",
        "Member share of sales",
        "odoo_pie",
        "membership.report.sale",
        ["customer_type"],
        "amount_total",
        [],
        "date",
        "config_id",
        "membership_report_menu_sale",
        {},
    ),
    (
        "sales_trend",
        "Sales: members and non-members",
        "odoo_line",
        "membership.report.sale",
        ["date:month", "customer_type"],
        "amount_total",
        [],
        "date",
        "config_id",
        "membership_report_menu_sale",
        {},
    ),
    (
        "sales_tier",
        "Member sales by tier",
        "odoo_bar",
        "membership.report.sale",
        ["tier_id"],
        "amount_total",
        [["is_member", "=", True]],
        "date",
        "config_id",
        "membership_report_menu_sale",
        {},
    ),
    (
        "salespeople",
        "Top salespeople (member sales)",
        "odoo_bar",
        "membership.report.sale",
        ["salesperson_id"],
        "amount_total",
        [["is_member", "=", True]],
        "date",
        "config_id",
        "membership_report_menu_salesperson",
        {"horizontal": True},
    ),
    (
        "points",
        "Points issued, used, expired",
        "odoo_bar",
        "membership.report.ledger",
        ["kind"],
        "points_moved",
        [["ledger", "=", "points"]],
        "date",
        None,
        "membership_report_menu_ledger",
        {},
    ),
    (
        "wallet",
        "Wallet: paid in and spent",
        "odoo_bar",
        "membership.report.ledger",
        ["kind"],
        "wallet_moved",
        [["ledger", "=", "wallet"], ["wallet_moved", "!=", 0]],
        "date",
        None,
        "membership_report_menu_ledger",
        {},
    ),
    (
        "wallet_held",
        "Wallet money outstanding",
        "odoo_line",
        "membership.report.ledger",
        ["date:month"],
        "wallet_outstanding",
        [["ledger", "=", "wallet"]],
        None,
        None,
        "membership_report_menu_ledger",
        {"cumulative": True, "fillArea": True},
    ),
    (
        "churn",
        "Churn risk",
        "odoo_pie",
        "membership.member.score",
        ["churn_risk"],
        "member_count",
        [],
        None,
        None,
        "membership_member_score_menu",
        {},
    ),
    (
        "uplift",
        "Campaign uplift (revenue per target)",
        "odoo_bar",
        "membership.campaign",
        ["name"],
        "uplift_revenue",
        [["state", "=", "done"]],
        None,
        None,
        "membership_campaign_menu",
        {},
    ),
]
WIDTH, HEIGHT, GAP = 520, 330, 16
# The action each report menu opens: a click on a chart opens it.
ACTIONS = {
    "membership_report_menu_new_member": "membership_report_new_member_action",
    "membership_report_menu_sale": "membership_report_sale_action",
    "membership_report_menu_salesperson": "membership_report_salesperson_action",
    "membership_report_menu_ledger": "membership_report_ledger_action",
    "membership_member_score_menu": "membership_member_score_action",
    "membership_campaign_menu": "membership_campaign_action",
}


def chart(index, spec):
    (key, title, kind, model, groupby, measure, domain, date_field, store_field, menu, extra) = spec
    matching = {}
    if date_field:
        matching[PERIOD] = {"chain": date_field, "type": "datetime", "offset": 0}
    if store_field:
        matching[STORE] = {"chain": store_field, "type": "many2one"}
    data = {
        "title": {"text": title, "bold": True, "color": "#434343"},
        "background": "#FFFFFF",
        "legendPosition": "top" if kind == "odoo_pie" or len(groupby) > 1 else "none",
        "metaData": {
            "groupBy": groupby,
            "measure": measure,
            "order": "DESC" if kind == "odoo_bar" and ":" not in groupby[0] else None,
            "resModel": model,
            "mode": kind.removeprefix("odoo_"),
        },
        "searchParams": {
            "comparison": None,
            "context": {},
            "domain": domain,
            "groupBy": groupby,
            "orderBy": [],
        },
        "type": kind,
        "dataSets": [],
        "verticalAxisPosition": "left",
        "stacked": False,
        "chartId": f"membership-{key}",
        "actionXmlId": f"{MODULE}.{ACTIONS[menu]}",
        "fieldMatching": matching,
        **extra,
    }
    return {
        "id": f"membership-{key}",
        "width": WIDTH,
        "height": HEIGHT,
        "tag": "chart",
        "data": data,
        "offset": {"x": (index % 2) * (WIDTH + GAP), "y": (index // 2) * (HEIGHT + GAP)},
        "col": 0,
        "row": 0,
    }


def spreadsheet():
    figures = [chart(index, spec) for index, spec in enumerate(CHARTS)]
    return {
        "version": "18.5.10",
        "sheets": [
            {
                "id": "membership-dashboard",
                "name": "Dashboard",
                "colNumber": 26,
                "rowNumber": 120,
                "rows": {},
                "cols": {},
                "merges": [],
                "cells": {},
                "styles": {},
                "formats": {},
                "borders": {},
                "conditionalFormats": [],
                "dataValidationRules": [],
                "figures": figures,
                "tables": [],
                "areGridLinesVisible": False,
                "isVisible": True,
                "headerGroups": {"ROW": [], "COL": []},
                "comments": {},
            }
        ],
        "styles": {},
        "formats": {},
        "borders": {},
        "revisionId": "START_REVISION",
        "uniqueFigureIds": True,
        "settings": {"locale": {}},
        "pivots": {},
        "pivotNextId": 1,
        "customTableStyles": {},
        "globalFilters": [
            {"id": PERIOD, "type": "date", "label": "Period", "defaultValue": "last_12_months"},
            {
                "id": STORE,
                "type": "relation",
                "label": "Store",
                "modelName": "pos.config",
                "defaultValueDisplayNames": [],
            },
        ],
        "lists": {},
        "listNextId": 1,
        "chartOdooMenusReferences": {
            f"membership-{spec[0]}": f"{MODULE}.{spec[9]}" for spec in CHARTS
        },
    }


if __name__ == "__main__":
    json.dump(spreadsheet(), sys.stdout, indent=1)
    sys.stdout.write("\n")
