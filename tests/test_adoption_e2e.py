"""A shop that already runs Odoo 19 adopts the addon: real databases built by `odoo-bin`.

One shop database is made with Odoo alone (POS orders, customers, an active loyalty
program, OCA's membership from PyPI, a closed session) and copied:
- the shop installs the addon from its wheel (as `pip install` would) and nothing of the
  shop changes; both membership addons live side by side; uninstalling the addon (no member
  history yet) leaves the POS selling and closing sessions;
- the copy installs the addon as of its previous manifest version (from git history), sells
  to members with that code, is upgraded to the current code with nothing lost, and then
  refuses to uninstall the addon (or Point of Sale) since its ledgers hold history.
The copy's install of the previous version runs while the shop installs the wheel.
"""

import ast
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from adoption_scripts import (
    COINSTALLED,
    INSTALLED_VERSION,
    MEMBER_FILL,
    MEMBER_SNAPSHOT,
    OCA_FREE_MEMBER,
    SHOP,
    SHOP_SNAPSHOT,
    UNINSTALL_AND_SELL,
)
from odoo_databases import (
    ROOT,
    addons_path,
    configured_addons_path,
    configured_data_dir,
    database_name,
    drop,
    install,
    odoo,
    odoo_finished,
    odoo_started,
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


def full_history():
    """A shallow clone (CI checkouts) is deepened: the previous version is looked up in the
    history, and the wheel's version counts the commits since the manifest's last change."""
    if git("rev-parse", "--is-shallow-repository").strip() == "true":
        git("fetch", "--quiet", "--unshallow")


def previous_version_commit():
    """The last commit before the manifest's version changed to the current one, along
    the first parents (the main line just before the merge that brought the new version);
    HEAD itself while the new version is not committed yet."""
    full_history()
    current = manifest_version((ROOT / MANIFEST).read_text())
    head = manifest_version(git("show", f"HEAD:{MANIFEST}"))
    if head != current:
        return git("rev-parse", "HEAD").strip(), head
    for commit in git("rev-list", "--first-parent", "HEAD", "--", MANIFEST).split():
        parents = git("rev-list", "--parents", "-n", "1", commit).split()[1:]
        if not parents:
            break
        version = manifest_version(git("show", f"{parents[0]}:{MANIFEST}"))
        if version != current:
            return parents[0], version
    pytest.fail(f"no manifest version before {current} in the history of {MANIFEST}")


@pytest.fixture(scope="module")
def previous_addon(tmp_path_factory):
    """The addon's folder as of the previous manifest version (with the daemon's package:
    the addon links one of its files)."""
    commit, version = previous_version_commit()
    folder = tmp_path_factory.mktemp("previous")
    archive = folder / "addon.tar"
    archive.write_bytes(
        subprocess.run(
            ["git", "-C", str(ROOT), "archive", commit, "membership_loyalty", "iot_reader_box"],
            capture_output=True,
            check=True,
        ).stdout
    )
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    assert manifest_version((folder / MANIFEST).read_text()) == version
    return {"dir": folder, "commit": commit, "version": version}


@pytest.fixture(scope="module")
def wheel_addons(tmp_path_factory):
    """The addon built as an `odoo-addon-*` wheel (whool, the OCA backend) and installed
    into a throwaway venv: the wheel and that venv's `odoo/addons` folder."""
    full_history()
    work = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    addon = str(ROOT / "membership_loyalty")
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
    return {"wheel": wheel, "addons": site / "odoo" / "addons"}


@pytest.fixture(scope="module")
def shop_databases(previous_addon):
    """The shop made with Odoo alone and the shop's data as read then; its copy, on which
    the previous version of the addon is being installed (in the background)."""
    shop, copy = database_name("adopt_shop"), database_name("adopt_upgrade")
    filestore = Path(configured_data_dir()) / "filestore"
    install(shop, "point_of_sale,pos_loyalty")
    shell(shop, SHOP + SHOP_SNAPSHOT)
    drop(copy)
    subprocess.run(["createdb", "-T", shop, copy], check=True)
    if (filestore / shop).is_dir():
        shutil.copytree(filestore / shop, filestore / copy, dirs_exist_ok=True)
    # OCA's membership goes into the shop only: the upgraded copy is a shop without it,
    # where the addon's own partner page is the one its older views placed themselves by
    # (with OCA's page of the same old name present, a stale view still finds a page).
    odoo(shop, "-i", "membership", "--stop-after-init")
    (before,) = shell(shop, OCA_FREE_MEMBER + SHOP_SNAPSHOT)
    previous = odoo_started(
        copy,
        "-i",
        "membership_loyalty",
        "--stop-after-init",
        addons=addons_path(previous_addon["dir"]),
    )
    yield {"shop": shop, "copy": copy, "before": before, "previous_install": previous}
    if previous.poll() is None:
        previous.kill()
        previous.wait()
    for database in (shop, copy):
        drop(database)
        shutil.rmtree(filestore / database, ignore_errors=True)


@pytest.fixture(scope="module")
def installed_shop(shop_databases, wheel_addons):
    """The shop after `-i membership_loyalty` from the wheel: its data as read again, and
    what a user with both membership addons' manager groups sees and does."""
    shop, addons = shop_databases["shop"], addons_path(wheel_addons["addons"])
    odoo(shop, "-i", "membership_loyalty", "--stop-after-init", addons=addons)
    after, coinstalled = shell(shop, SHOP_SNAPSHOT + COINSTALLED, addons=addons)
    return {"after": after, "coinstalled": coinstalled, "addons": addons}


def test_wheel_holds_the_whole_addon(wheel_addons):
    """Every file of the addon (code, views, data, static, i18n, reports) is in the
    installed wheel, byte for byte, and the wheel's version is the manifest's."""
    installed = wheel_addons["addons"] / "membership_loyalty"
    differ = []
    for path in git("ls-files", "membership_loyalty").split():
        copy = installed / path.split("/", 1)[1]
        if path.endswith("/pyproject.toml"):
            continue
        if not copy.is_file() or copy.read_bytes() != (ROOT / path).read_bytes():
            differ.append(path)
    assert not differ, f"not in the wheel as in the repository: {differ[:10]}"
    for folder in ("i18n", "static/src/pos", "static/description", "data", "views", "security"):
        assert any((installed / folder).iterdir()), folder
    version = manifest_version((ROOT / MANIFEST).read_text())
    with zipfile.ZipFile(wheel_addons["wheel"]) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        lines = archive.read(metadata).decode().splitlines()
    assert "Name: odoo-addon-membership_loyalty" in lines
    assert any(line.startswith(f"Version: {version}") for line in lines), lines[:5]


def test_install_into_a_running_shop_changes_nothing_of_theirs(shop_databases, installed_shop):
    before, after = shop_databases["before"], installed_shop["after"]
    assert len(before["orders"]) == 3 and before["loyalty_cards"], "the shop sold and has cards"
    assert all(card[3] > 0 for card in before["loyalty_cards"]), "the cards hold points"
    kept = before["partner_fields"]
    assert [{k: p[k] for k in kept} for p in after["partners"]] == before["partners"]
    for key in ("orders", "loyalty_programs", "loyalty_cards", "journal_items"):
        assert after[key] == before[key], key
    before_rules = set(map(tuple, before["barcode_rules"]))
    assert before_rules <= set(map(tuple, after["barcode_rules"]))
    added = set(after["barcode_rule_xmlids"]) - set(before["barcode_rule_xmlids"])
    assert added == ADDED_RULES


def test_coinstalled_with_oca_membership(installed_shop):
    """OCA's `membership` (the real PyPI package, found through the project's addons path)
    and the addon in one database: a user with both manager groups sees both apps, both
    partner pages under their own labels, both group sections, and uses both."""
    venv_addons = Path(venv_addons_dir()).resolve()
    assert any(Path(p).resolve() == venv_addons for p in configured_addons_path()), (
        "the project's Odoo config must list the venv's odoo/addons (odoo-addon-* wheels)"
    )
    seen = installed_shop["coinstalled"]
    assert seen["modules"] == ["membership", "membership_loyalty"]
    assert {"Members", "Membership"} <= set(seen["roots"]), seen["roots"]
    assert seen["pages"].count("Membership") == 1, seen["pages"]  # OCA's own page
    # The addon's own pages stay together, after its Loyalty Card page (not after OCA's).
    pages = seen["pages"]
    assert pages.index("Packages") == pages.index("Loyalty Card") + 1, pages
    assert sorted(seen["privileges"].values()) == ["Membership", "Membership Loyalty"]
    assert seen["oca_state"] in ("invoiced", "waiting", "paid"), seen["oca_state"]
    assert seen["member_number"], seen


def test_uninstall_without_member_history_leaves_the_pos_selling(shop_databases, installed_shop):
    shop = shop_databases["shop"]
    done, after = shell(
        shop,
        UNINSTALL_AND_SELL + 'uninstall_and_sell("membership_loyalty")\n' + SHOP_SNAPSHOT,
        addons=installed_shop["addons"],
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
    before = shop_databases["before"]
    assert after["barcode_rule_xmlids"] == before["barcode_rule_xmlids"]
    assert after["loyalty_cards"] == before["loyalty_cards"]
    assert len(after["orders"]) == len(before["orders"]) + 1


@pytest.fixture(scope="module")
def upgraded(shop_databases, previous_addon):
    """The copy with member sales made by the previous version, then upgraded to the
    current code: the members' data read before and after."""
    copy, old = shop_databases["copy"], addons_path(previous_addon["dir"])
    odoo_finished(shop_databases["previous_install"])
    filled, before = shell(copy, MEMBER_FILL + MEMBER_SNAPSHOT, addons=old)
    odoo(copy, "-u", "membership_loyalty", "--stop-after-init", addons=addons_path(ROOT))
    after, version = shell(copy, MEMBER_SNAPSHOT + INSTALLED_VERSION)
    return {"db": copy, "filled": filled, "before": before, "after": after, "version": version}


def test_upgrade_from_the_previous_version_loses_nothing(upgraded, previous_addon):
    filled, before, after = upgraded["filled"], upgraded["before"], upgraded["after"]
    # The previous code made real member history: points earned, wallet topped up and spent.
    assert filled["points_moves"] >= 2 and filled["wallet_moves"] >= 3, filled
    assert filled["points"] > 0 and filled["wallet"] > 0, filled
    assert len(before["cards"]) == 3 and before["tiers"], before
    assert upgraded["version"] == manifest_version((ROOT / MANIFEST).read_text())
    for key in ("balances", "points_moves", "wallet_moves", "cards", "tiers", "tier_history"):
        assert after[key] == before[key], key
    assert after["orders"] == before["orders"]


def test_uninstall_refused_once_ledgers_hold_history(upgraded):
    """Uninstalling the addon, or Point of Sale (which would take the addon with it), is
    refused with the reason, and nothing changes."""
    *refused, after = shell(
        upgraded["db"],
        UNINSTALL_AND_SELL
        + 'uninstall_and_sell("membership_loyalty")\n'
        + 'uninstall_and_sell("point_of_sale")\n'
        + MEMBER_SNAPSHOT,
    )
    for done in refused:
        assert done["state"] == "installed"
        assert "Membership & Loyalty cannot be uninstalled" in done["refusal"], done
        assert "points moves" in done["refusal"] and "wallet moves" in done["refusal"]
    assert after == upgraded["after"]
