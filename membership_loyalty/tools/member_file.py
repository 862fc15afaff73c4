"""Rows of a member file: CSV (comma, semicolon or tab; UTF-8, with or without a BOM, or
Latin-1) or XLSX (its first sheet). The first row names the columns."""

import csv
import io

import openpyxl


class MemberFileError(ValueError):
    """The file cannot be read as a table (its message says why, for the user)."""


def read_table(content, filename):
    """(headers, rows): the column names of the first row and each later row as a
    {header: value} dict with its line number under ``None``; empty rows are skipped."""
    if (filename or "").lower().endswith(".xlsx") or content[:2] == b"PK":
        table = _xlsx_rows(content)
    else:
        table = _csv_rows(content)
    header_row = next(table, None)
    if not header_row:
        raise MemberFileError("The file is empty.")
    headers = [str(cell).strip() if cell is not None else "" for cell in header_row]
    rows = []
    for line, values in enumerate(table, start=2):
        if not any(value not in (None, "") for value in values):
            continue
        row = dict(zip(headers, values, strict=False))
        row[None] = line
        rows.append(row)
    return headers, rows


def _csv_rows(content):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("latin-1")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return iter(csv.reader(io.StringIO(text), dialect))


def _xlsx_rows(content):
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a file that is no workbook
        raise MemberFileError(f"Not a readable XLSX workbook ({error}).") from error
    return book.worksheets[0].iter_rows(values_only=True)
