#!/usr/bin/env python3
"""Keep the addon's translations in step with its template (i18n/membership_loyalty.pot).

    scripts/i18n_missing.py                 # list untranslated entries per language; exit 1 if any
    scripts/i18n_missing.py --merge         # first bring each .po in line with the .pot
                                            # (new msgids added empty, vanished ones dropped)
    scripts/i18n_missing.py --tsv zh_CN     # untranslated entries of one language as
                                            # "index<TAB>msgid" lines (msgid escaped as in a .po)
    scripts/i18n_missing.py --apply zh_CN FILE
                                            # fill that language from "index<TAB>msgstr" lines

After the template is regenerated, the usual round is:
    .venv/bin/python scripts/i18n_missing.py --merge
    .venv/bin/python scripts/i18n_missing.py            # what is left to translate

The index is the entry's position in the template, so a TSV written from --tsv output applies
to the same template only. Runs with the project's venv (it needs polib).
"""

import argparse
import pathlib
import sys

import polib

I18N = pathlib.Path(__file__).resolve().parent.parent / "membership_loyalty" / "i18n"
TEMPLATE = I18N / "membership_loyalty.pot"
LANGUAGES = ("zh_CN", "fr")
HEADER = {
    "zh_CN": ("Chinese (Simplified) / 简体中文", "nplurals=1; plural=0;"),
    "fr": ("French / Français", "nplurals=2; plural=(n > 1);"),
}


def _escape(text):
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _unescape(text):
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append({"n": "\n", "t": "\t", "\\": "\\", '"': '"'}.get(nxt, "\\" + nxt))
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _po_path(lang):
    return I18N / f"{lang}.po"


def _load(lang):
    path = _po_path(lang)
    if path.exists():
        return polib.pofile(str(path), wrapwidth=78)
    po = polib.POFile(wrapwidth=78)
    return po


def _save(po, lang):
    template = polib.pofile(str(TEMPLATE))
    po.metadata = dict(template.metadata)
    team, plural = HEADER[lang]
    po.metadata["Language"] = lang
    po.metadata["Language-Team"] = team
    po.metadata["Plural-Forms"] = plural
    po.metadata["Content-Transfer-Encoding"] = "8bit"
    po.header = template.header
    po.save(str(_po_path(lang)))


def merge(lang):
    """Rebuild the language file from the template, keeping every known msgstr."""
    template = polib.pofile(str(TEMPLATE))
    old = {(e.msgctxt, e.msgid): e.msgstr for e in _load(lang) if not e.obsolete}
    po = polib.POFile(wrapwidth=78)
    for entry in template:
        entry.msgstr = old.get((entry.msgctxt, entry.msgid), "")
        po.append(entry)
    _save(po, lang)


def missing(lang):
    """(index, entry) of each template entry without a translation in ``lang``."""
    template = polib.pofile(str(TEMPLATE))
    known = {(e.msgctxt, e.msgid): e.msgstr for e in _load(lang) if not e.obsolete}
    return [
        (index, entry)
        for index, entry in enumerate(template)
        if not known.get((entry.msgctxt, entry.msgid), "").strip()
    ]


def apply(lang, tsv_path):
    template = polib.pofile(str(TEMPLATE))
    po = _load(lang)
    by_key = {(e.msgctxt, e.msgid): e for e in po}
    filled = 0
    for line in pathlib.Path(tsv_path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or "\t" not in line:
            continue
        index, text = line.split("\t", 1)
        source = template[int(index)]
        entry = by_key.get((source.msgctxt, source.msgid))
        if entry is None:
            entry = polib.POEntry(
                msgid=source.msgid,
                msgctxt=source.msgctxt,
                occurrences=source.occurrences,
                comment=source.comment,
                flags=source.flags,
            )
            po.append(entry)
            by_key[(source.msgctxt, source.msgid)] = entry
        entry.msgstr = _unescape(text)
        filled += 1
    _save(po, lang)
    return filled


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--merge", action="store_true", help="align each .po with the .pot first")
    parser.add_argument(
        "--tsv", metavar="LANG", help="print one language's gaps as index<TAB>msgid"
    )
    parser.add_argument("--apply", nargs=2, metavar=("LANG", "FILE"), help="fill from a TSV")
    args = parser.parse_args()
    if args.merge:
        for lang in LANGUAGES:
            merge(lang)
    if args.apply:
        print(f"{apply(*args.apply)} entries filled in {args.apply[0]}.po")
        return 0
    if args.tsv:
        for index, entry in missing(args.tsv):
            print(f"{index}\t{_escape(entry.msgid)}")
        return 0
    gaps = 0
    for lang in LANGUAGES:
        entries = missing(lang)
        gaps += len(entries)
        print(f"{lang}.po: {len(entries)} untranslated")
        for index, entry in entries:
            print(f"  [{index}] {_escape(entry.msgid)}")
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main())
