"""A shop that already runs Odoo 19 adopts the addon: real databases built by `odoo-bin`.

One shop database is made with Odoo alone (POS orders, customers, an active loyalty
program, OCA's membership) and copied:
- the shop installs the addon from its wheel (as `pip install` would), and nothing of the
  shop changes; both membership addons live side by side; uninstalling the addon (no member
  history yet) leaves the POS selling and closing;
- the copy installs the addon as of its previous manifest version (from git history),
  sells to members, is upgraded to the current code with nothing lost, and refuses to
  uninstall the addon now that its ledgers hold history.
"""

import ast
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from adoption_scripts import MEMBER_FILL, MEMBER_SNAPSHOT, SHOP, SHOP_SNAPSHOT, TILL
from odoo_databases import (
    ROOT,
    addons_path,
    configured_addons_path,
    configured_data_dir,
    database_name,
    drop,
    install,
    odoo,
    shell,
    venv_addons_dir,
)

MANIFEST = "membership_loyalty/__manifest__.py"
ADDED_RULES = {
    "membership_loyalty.barcode_rule_membership_card",
    "membership_loyalty.barcode_rule_membership_swipe",
}


def git(*args):
    done = subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
    )
    if done.returncode:
        pytest.fail(f"git {' '.join(args)}: {done.stderr}")
    return done.stdout


def manifest_version(text):
    return ast.literal_eval(text)["version"]


def previous_version_commit():
    """The last commit before the manifest's version changed to the current one (along
    the first parents: the main line before the merge that brought the new version). A
    shallow clone (CI) is deepened first: the history is what this test reads."""
    if git("rev-parse", "--is-shallow-repository").strip() == "true":
        git("fetch", "--quiet", "--unshallow")
    current = manifest_version((ROOT / MANIFEST).read_text())
    if manifest_version(git("show", f"HEAD:{MANIFEST}")) != current:
        return "HEAD", manifest_version(git("show", f"HEAD:{MANIFEST}"))
    for commit in git("rev-list", "--first-parent", "HEAD", "--", MANIFEST).split():
        parents = git("rev-list", "--parents", "-n", "1", commit).split()[1:]
        if not parents:
            break
        version = manifest_version(git("show", f"{parents[0]}:{MANIFEST}"))
        if version != current:
            return parents[0], version
    pytest.fail(f"no earlier manifest version than {current} in the history of {MANIFEST}")


@pytest.fixture(scope="module")
def wheel_addons(tmp_path_factory):
    """The addon built as an `odoo-addon-*` wheel (whool, the OCA backend) and installed
    into a throwaway venv; yields that venv's `odoo/addons` folder."""
    work = tmp_path_factory.mktemp("wheel")
    addon = str(ROOT / "membership_loyalty")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", work / "dist", addon],
        check=True,
        capture_output=True,
    )
    (wheel,) = (work / "dist").glob("odoo_addon_membership_loyalty-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    # --no-deps: the wheel requires `odoo==19.0.*`, which the shop has from its own install.
    subprocess.run(
        [*pip, "--python", venv / "bin" / "python", "install", "--no-deps", wheel],
        check=True,
        capture_output=True,
    )
    (site,) = venv.glob("lib/python3*/site-packages")
    yield {"wheel": wheel, "addons": site / "odoo" / "addons"}


@pytest.fixture(scope="module")
def shop_databases():
    """The shop made with Odoo alone, and its copy for the upgrade; the shop's data as read
    before the addon came."""
    shop, copy = database_name("adopt_shop"), database_name("adopt_upgrade")
    install(shop, "point_of_sale,pos_loyalty,membership")
    shell(shop, SHOP)
    before = shell(shop, SHOP_SNAPSHOT)
    drop(copy)
    subprocess.run(["createdb", "-T", shop, copy], check=True)
    data_dir = Path(configured_data_dir()) / "filestore"
    if (data_dir / shop).is_dir():
        shutil.copytree(data_dir / shop, data_dir / copy, dirs_exist_ok=True)
    yield {"shop": shop, "copy": copy, "before": before}
    for database in (shop, copy):
        drop(database)
        shutil.rmtree(data_dir / database, ignore_errors=True)


def assert_shop_unchanged(before, after):
    kept = before["partner_fields"]
    assert [{k: p[k] for k in kept} for p in after["partners"]] == before["partners"]
    for key in ("orders", "loyalty_programs", "loyalty_cards", "journal_items"):
        assert after[key] == before[key], key
    assert set(after["barcode_rule_xmlids"]) - set(before["barcode_rule_xmlids"]) <= ADDED_RULES


def test_wheel_holds_the_whole_addon(wheel_addons):
    """Every file of the addon (code, views, data, static, i18n, reports) is in the
    installed wheel, byte for byte, and the wheel's version is the manifest's."""
    tracked = git("ls-files", "membership_loyalty").split()
    installed = wheel_addons["addons"] / "membership_loyalty"
    missing = [
        path
        for path in tracked
        if path != "membership_loyalty/pyproject.toml"
        and (
            not (installed / path.split("/", 1)[1]).is_file()
            or (installed / path.split("/", 1)[1]).read_bytes() != (ROOT / path).read_bytes()
        )
    ]
    assert not missing, f"not in the wheel as in the repository: {missing[:10]}"
    for folder in ("i18n", "static/src/pos", "static/description", "data", "views", "security"):
        assert any((installed / folder).iterdir()), folder
    version = manifest_version((ROOT / MANIFEST).read_text())
    with zipfile.ZipFile(wheel_addons["wheel"]) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        lines = archive.read(metadata).decode().splitlines()
    assert "Name: odoo-addon-membership_loyalty" in lines
    assert any(line.startswith(f"Version: {version}") for line in lines), lines[:5]


def test_install_into_a_running_shop_changes_nothing_of_theirs(shop_databases, wheel_addons):
    shop = shop_databases["shop"]
    assert shop_databases["before"]["loyalty_cards"], "the shop has loyalty cards with points"
    assert len(shop_databases["before"]["orders"]) == 3
    odoo(
        shop,
        "-i",
        "membership_loyalty",
        "--stop-after-init",
        addons=addons_path(wheel_addons["addons"]),
    )
    after = shell(shop, SHOP_SNAPSHOT, addons=addons_path(wheel_addons["addons"]))
    assert_shop_unchanged(shop_databases["before"], after)
    added = set(after["barcode_rule_xmlids"]) - set(shop_databases["before"]["barcode_rule_xmlids"])
    assert added == ADDED_RULES


COINSTALLED = """
user = env["res.users"].create({
    "name": "Both memberships", "login": "both_memberships",
    "group_ids": [(6, 0, [env.ref("base.group_user").id,
                          env.ref("membership.group_membership_manager").id,
                          env.ref("membership_loyalty.membership_loyalty_group_manager").id])],
})
as_user = env(user=user)
arch = as_user["res.partner"].get_views([(False, "form")])["views"]["form"]["arch"]
from lxml import etree
pages = [p.get("string") for p in etree.fromstring(arch).iter("page")]
menus = as_user["ir.ui.menu"].load_menus(False)
roots = [menus[str(i)]["name"] for i in menus["root"]["children"]]
privileges = {
    xmlid: env.ref(xmlid).privilege_id.name
    for xmlid in ("membership.group_membership_manager",
                  "membership_loyalty.membership_loyalty_group_manager")
}
# Both forms in use by that user: an OCA membership line and a member of the addon.
product = as_user["product.product"].create({
    "name": "Yearly membership", "membership": True, "list_price": 30,
    "membership_date_from": "2026-01-01", "membership_date_to": "2026-12-31",
})
partner = as_user["res.partner"].create({"name": "Member of both", "phone": "+32 470 99 88 77"})
partner.create_membership_invoice(product, 30)
partner.is_member = True
result({
    "modules": sorted(env["ir.module.module"].search(
        [("name", "in", ["membership", "membership_loyalty"]), ("state", "=", "installed")]
    ).mapped("name")),
    "pages": pages, "roots": roots, "privileges": privileges,
    "oca_state": partner.membership_state, "is_member": partner.is_member,
    "member_number": bool(partner.member_number) or partner.is_member,
})
"""


def test_coinstalled_with_oca_membership(shop_databases, wheel_addons):
    """OCA's `membership` (the real PyPI package) and the addon in one database: a user
    with both manager groups sees both apps, both partner pages under their own labels,
    and uses both."""
    shop = shop_databases["shop"]
    venv_addons = Path(venv_addons_dir()).resolve()
    assert any(Path(p).resolve() == venv_addons for p in configured_addons_path()), (
        "the project's Odoo config must list the venv's odoo/addons (odoo-addon-* wheels)"
    )
    seen = shell(shop, COINSTALLED, addons=addons_path(wheel_addons["addons"]))
    assert seen["modules"] == ["membership", "membership_loyalty"]
    assert {"Members", "Membership"} <= set(seen["roots"])
    assert seen["pages"].count("Membership") == 1  # OCA's own page
    assert "Loyalty Card" in seen["pages"]
    assert len(set(seen["privileges"].values())) == 2, seen["privileges"]
    assert seen["oca_state"] in ("invoiced", "waiting", "paid")
    assert seen["is_member"]


# Uninstall MODULE through Settings' uninstall wizard; when the addon is gone, sell at the
# shop's till and close its session.
UNINSTALL_AND_SELL = (
    TILL
    + """
module = env["ir.module.module"].search([("name", "=", MODULE)])
addon = env["ir.module.module"].search([("name", "=", "membership_loyalty")])
refusal = ""
try:
    env["base.module.uninstall"].create({"module_ids": [(6, 0, module.ids)]}).action_uninstall()
except Exception as error:  # the refusal a user sees, if any
    refusal = str(error)
    env.cr.rollback()
env.invalidate_all()
state = addon.state
sold = {}
if state == "uninstalled":
    till = shop_till()
    partner = env["res.partner"].search([("name", "=", "Shop customer 3")])
    mug = env["product.product"].search([("name", "=", "Shop mug")])
    order = sell(till, partner, [(mug, 2)])
    session = close(till)
    sold = {"order": order.state, "amount": order.amount_total, "session": session.state,
            "move": bool(session.move_id), "posted": session.move_id.state}
env.cr.commit()
result({"state": state, "refusal": refusal, "sold": sold})
"""
)


def test_uninstall_without_member_history_leaves_the_pos_selling(shop_databases, wheel_addons):
    shop = shop_databases["shop"]
    done = shell(
        shop,
        'MODULE = "membership_loyalty"\n' + UNINSTALL_AND_SELL,
        addons=addons_path(wheel_addons["addons"]),
    )
    assert done["refusal"] == ""
    assert done["state"] == "uninstalled"
    assert done["sold"] == {
        "order": "done",
        "amount": 25.0,
        "session": "closed",
        "move": True,
        "posted": "posted",
    }
    after = shell(shop, SHOP_SNAPSHOT)
    assert after["barcode_rule_xmlids"] == shop_databases["before"]["barcode_rule_xmlids"]
    assert len(after["orders"]) == len(shop_databases["before"]["orders"]) + 1


@pytest.fixture(scope="module")
def upgraded(shop_databases, tmp_path_factory):
    """The shop's copy with the addon as of its previous manifest version, member sales
    made with that code, then upgraded to the current code."""
    copy = shop_databases["copy"]
    commit, version = previous_version_commit()
    old = tmp_path_factory.mktemp("previous")
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, "membership_loyalty"],
        capture_output=True,
        check=True,
    ).stdout
    archive_path = old / "addon.tar"
    archive_path.write_bytes(archive)
    with tarfile.open(archive_path) as tar:
        tar.extractall(old, filter="data")
    assert manifest_version((old / MANIFEST).read_text()) == version
    odoo(copy, "-i", "membership_loyalty", "--stop-after-init", addons=addons_path(old))
    filled = shell(copy, MEMBER_FILL, addons=addons_path(old))
    before = shell(copy, MEMBER_SNAPSHOT, addons=addons_path(old))
    odoo(copy, "-u", "membership_loyalty", "--stop-after-init", addons=addons_path(ROOT))
    installed = shell(
        copy,
        "result(env['ir.module.module'].search([('name', '=', 'membership_loyalty')])"
        ".latest_version)",
    )
    after = shell(copy, MEMBER_SNAPSHOT)
    return {
        "db": copy,
        "filled": filled,
        "before": before,
        "after": after,
        "installed": installed,
        "previous": version,
    }


def test_upgrade_from_the_previous_version_loses_nothing(upgraded):
    filled, before, after = upgraded["filled"], upgraded["before"], upgraded["after"]
    # The previous code made real member history: points earned, wallet topped up and spent.
    assert filled["points_moves"] >= 2 and filled["wallet_moves"] >= 3, filled
    assert filled["points"] > 0 and filled["wallet"] > 0, filled
    current = manifest_version((ROOT / MANIFEST).read_text())
    assert upgraded["installed"] == current
    for key in ("balances", "points_moves", "wallet_moves", "cards", "tiers", "tier_history"):
        assert after[key] == before[key], key
    assert after["orders"] == before["orders"]


@pytest.mark.parametrize("module", ["membership_loyalty", "point_of_sale"])
def test_uninstall_refused_once_ledgers_hold_history(upgraded, module):
    """Uninstalling the addon, or Point of Sale (which takes the addon with it), is refused
    with the reason, and nothing changes."""
    done = shell(upgraded["db"], f"MODULE = {module!r}\n" + UNINSTALL_AND_SELL)
    assert done["state"] == "installed"
    assert "Membership & Loyalty cannot be uninstalled" in done["refusal"]
    assert "points moves" in done["refusal"] and "wallet moves" in done["refusal"]
    assert shell(upgraded["db"], MEMBER_SNAPSHOT) == upgraded["after"]
