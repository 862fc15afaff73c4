import ast
import os
from pathlib import Path

from odoo.tests import TransactionCase, tagged

ADDON = Path(__file__).resolve().parent.parent
SNAPSHOT = Path(__file__).resolve().parent / "data_model.txt"
WRITE = "MEMBERSHIP_WRITE_DATA_MODEL"
HEADER = "# The addon's data model at manifest version "


def manifest_version():
    return ast.literal_eval((ADDON / "__manifest__.py").read_text())["version"]


def data_model(env):
    """One line per stored field and table constraint the addon defines, on its own
    models and on Odoo's: what an upgrade must carry existing rows through."""
    module = ADDON.name
    lines = []
    for name in sorted(env.registry.models):
        Model = env[name]
        # Wizards' rows are transient: a change of theirs carries no data over.
        if Model._abstract or Model._transient or not Model._auto:
            continue
        for fname, field in sorted(Model._fields.items()):
            if field._module != module or (not field.column_type and field.type != "many2many"):
                continue
            line = f"{name}.{fname} {field.type}"
            if field.relational:
                line += f" -> {field.comodel_name}"
            if field.type == "many2many":
                line += f" ({field.relation})"
            # The keys of a selection, on the addon's own models (another model's list
            # holds the keys of every module installed).
            if (
                field.type == "selection"
                and isinstance(field.selection, list)
                and Model._original_module == module
            ):
                line += " [" + ",".join(str(key) for key, _label in field.selection) + "]"
            for flag in ("required", "translate", "company_dependent"):
                if getattr(field, flag, False):
                    line += f" {flag}"
            if field.index:
                line += f" index={field.index}"
            lines.append(line)
        for obj in Model._table_objects.values():
            if obj._module == module:
                lines.append(f"{name} {obj.full_name(Model)}: {obj.get_definition(env.registry)}")
    return lines


@tagged("post_install", "-at_install")
class TestDataModelVersion(TransactionCase):
    """The manifest version moves with the data model: a stored field or constraint added,
    removed or changed without a new version (and its migration scripts) fails here.

    The snapshot ``data_model.txt`` is written for the current version with
    ``MEMBERSHIP_WRITE_DATA_MODEL=1``, which refuses to record a changed model under the
    version that already has one."""

    def test_data_model_changes_come_with_a_new_version(self):
        version = manifest_version()
        current = data_model(self.env)
        lines = SNAPSHOT.read_text().splitlines() if SNAPSHOT.exists() else [HEADER]
        recorded_version, recorded = lines[0].removeprefix(HEADER), lines[1:]
        if os.environ.get(WRITE):
            self.assertFalse(
                recorded_version == version and recorded != current,
                f"The data model changed but the manifest still says {version}: bump the "
                "version (migrations/<version>/ for rows that move), then write the snapshot.",
            )
            SNAPSHOT.write_text("\n".join([HEADER + version, *current]) + "\n")
            return
        self.assertEqual(
            recorded_version,
            version,
            f"The manifest says {version}; the data model snapshot is of {recorded_version}. "
            f"Write it for the new version: {WRITE}=1 make test TESTS={Path(__file__).name}",
        )
        self.assertEqual(
            current,
            recorded,
            f"The data model changed but the manifest still says {version}: bump the version "
            "in __manifest__.py (with migration scripts where rows move), then "
            f"{WRITE}=1 make test TESTS={Path(__file__).name}",
        )
