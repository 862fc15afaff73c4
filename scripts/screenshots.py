#!/usr/bin/env python3
"""README screenshots from the demo shop, taken in headless Chromium:

    make run                                   # serves the demo on http://localhost:8069
    .venv/bin/python scripts/screenshots.py    # in another terminal

Logs in as the manager, opens each page of PAGES, waits for what shows it is drawn and
writes docs/screenshots/<name>.png; then opens the first store's till (a session
opened as the manager), rings up a few products and scans the member's card
(till-member.png). Options: --url, --db, --login, --password, --out.
Talks to Chromium over its DevTools protocol (websocket-client, in requirements.txt).
"""

import argparse
import base64
import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import websocket

ROOT = Path(__file__).resolve().parent.parent
# name, path, CSS selector that shows the page is drawn, JavaScript run once it is
PAGES = [
    ("dashboard", "/odoo/dashboards", ".o-figure canvas", None),
    (
        "sales-trends",
        "/odoo/action-membership_loyalty.membership_report_sale_action",
        ".o_graph_renderer canvas",
        None,
    ),
    # the member with the most points: a record with a life (orders, cards, moves, SMS)
    (
        "member-form",
        "/odoo/action-membership_loyalty.membership_member_action/{member}",
        ".o_form_view .o_field_widget",
        None,
    ),
    (
        "member-scores",
        "/odoo/action-membership_loyalty.membership_member_score_action",
        ".o_data_row",
        None,
    ),
]

# The till shot: the first demo store's till, three of the shop's products on the order
# and a member's card scanned. Opening the till opens a session of
# that store as the screenshot user, as a cashier starting the day would.
TILL_STORE = "Downtown Store"
TILL_PRODUCTS = ("Earl Grey Tea 100g", "Porcelain Teapot", "Butter Cookies")


def rpc(model, method, args, **kwargs):
    """JavaScript that calls ``model.method`` over JSON-RPC and resolves to its result."""
    params = {"model": model, "method": method, "args": args, "kwargs": kwargs}
    return f"""
fetch("/web/dataset/call_kw", {{
    method: "POST",
    headers: {{"Content-Type": "application/json"}},
    body: JSON.stringify({{jsonrpc: "2.0", method: "call", params: {json.dumps(params)}}}),
}}).then((response) => response.json()).then((reply) => reply.result)
"""


def scan(code):
    """JavaScript typing ``code`` then Enter the way a barcode scanner does."""
    keys = json.dumps([*code, "Enter"])
    return f"""for (const key of {keys}) {{
    document.body.dispatchEvent(new KeyboardEvent("keydown", {{key, bubbles: true}}));
}}"""


class Browser:
    """One headless Chromium page driven over the DevTools protocol."""

    def __init__(self, width, height):
        binary = shutil.which("chromium") or shutil.which("google-chrome")
        if not binary:
            raise SystemExit("no chromium found (scripts/bootstrap.sh installs it)")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.profile = tempfile.mkdtemp(prefix="ml-shots-")
        self.process = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={self.profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _attempt in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as r:
                    targets = [t for t in json.load(r) if t["type"] == "page"]
                if targets:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            raise SystemExit("chromium did not start")
        self.socket = websocket.create_connection(targets[0]["webSocketDebuggerUrl"], timeout=30)
        self.next_id = 0
        self.call("Page.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        return result.get("result", {}).get("value")

    def wait_for(self, selector, timeout=30):
        check = f"!!document.querySelector({json.dumps(selector)})"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.evaluate(check):
                return
            time.sleep(0.25)
        raise RuntimeError(f"{selector} did not appear in {timeout} s")

    def goto(self, url):
        self.call("Page.navigate", url=url)
        time.sleep(0.5)
        self.wait_for("body")

    def click(self, selector, index=0):
        self.evaluate(f"document.querySelectorAll({json.dumps(selector)})[{index}].click()")

    def exists(self, selector):
        return self.evaluate(f"!!document.querySelector({json.dumps(selector)})")

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self):
        self.socket.close()
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)


def till_with_member(browser, url):
    """Open the store's till, ring up a few of the shop's products and scan the card of a
    member holding points (the most wallet money among them): the member panel (tier,
    points, wallet) and the tier's discounts show."""
    [store] = browser.evaluate(rpc("pos.config", "search", [[["name", "=", TILL_STORE]]], limit=1))
    accounts = browser.evaluate(
        rpc(
            "membership.account",
            "search_read",
            [[["points_balance", ">", 0]]],
            fields=["partner_id"],
            order="wallet_paid_balance desc, points_balance desc",
            limit=20,
        )
    )
    partners = [account["partner_id"][0] for account in accounts]
    cards = browser.evaluate(
        rpc(
            "membership.card",
            "search_read",
            [[["partner_id", "in", partners], ["state", "=", "active"]]],
            fields=["number", "partner_id"],
        )
    )
    numbers = {card["partner_id"][0]: card["number"] for card in cards}
    number = next(numbers[partner] for partner in partners if partner in numbers)
    browser.goto(f"{url}/pos/ui?config_id={store}")
    ready = ".product-list article.product"
    deadline = time.monotonic() + 90
    # A new session asks to open the register (the opening cash count) first.
    while not browser.exists(ready) or browser.exists(".modal"):
        if time.monotonic() > deadline:
            raise RuntimeError("the till did not show its products in 90 s")
        for button in (".modal-footer .btn-primary", ".open-register-btn"):
            if browser.exists(button):
                browser.click(button)
                break
        time.sleep(0.5)
    for product in TILL_PRODUCTS:
        browser.evaluate(
            f"""[...document.querySelectorAll({json.dumps(ready)})]
                .find((card) => card.textContent.includes({json.dumps(product)})).click()"""
        )
        time.sleep(0.4)
    browser.evaluate(scan(number))
    browser.wait_for(".o_membership_name")
    time.sleep(1.5)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="membership_loyalty_demo")
    parser.add_argument("--login", default="manager")
    parser.add_argument("--password", default="manager")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--size", default="1400x900", help="WIDTHxHEIGHT")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    width, height = (int(n) for n in args.size.split("x"))
    browser = Browser(width, height)
    try:
        browser.goto(f"{args.url}/web/login?db={args.db}")
        browser.wait_for("input[name=login]")
        browser.evaluate(
            f"document.querySelector('input[name=login]').value = {json.dumps(args.login)};"
            f"document.querySelector('input[name=password]').value = "
            f"{json.dumps(args.password)};"
            "document.querySelector('form.oe_login_form').submit();"
        )
        browser.wait_for(".o_main_navbar")
        [member] = browser.evaluate(
            rpc(
                "res.partner",
                "search",
                [[["is_member", "=", True]]],
                order="member_total_spent desc nulls last",
                limit=1,
            )
        )
        for name, path, ready, then in PAGES:
            browser.goto(args.url + path.format(member=member))
            browser.wait_for(ready)
            if then:
                browser.evaluate(then)
                browser.wait_for(".o_form_view")
            time.sleep(1.5)  # charts animate, images load
            browser.screenshot(out / f"{name}.png")
            print(f"{name:<16} {out / (name + '.png')}")
        till_with_member(browser, args.url)
        browser.screenshot(out / "till-member.png")
        print(f"{'till-member':<16} {out / 'till-member.png'}")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
