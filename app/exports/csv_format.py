"""CSV: UTF-8 with a header row, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from app.exports.rows import ExportRow

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
# Full-width forms some spreadsheets fold to their ASCII sign.
_FORMULA_SIGNS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def cell(value: object) -> str:
    """A cell a spreadsheet will not run: text starting like a formula (also after leading
    spaces) gets a leading quote."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) or text.lstrip().startswith(_FORMULA_SIGNS):
        return "'" + text
    return text


def render(rows: Sequence[ExportRow], *, title: str, names: bool) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    header = [
        "id",
        "question",
        "status",
        "asked",
        "upvotes",
        "score",
        "where",
        "note",
        "first_asked_at",
    ]
    if names:
        header.append("askers")
    writer.writerow(header)
    for r in rows:
        line = [
            r.id,
            cell(r.text),
            r.status,
            r.ask_count,
            r.upvotes,
            r.score,
            cell(r.where()),
            cell(r.note),
            r.first_asked_at.isoformat(),
        ]
        if names:
            line.append(cell("; ".join(r.authors)))
        writer.writerow(line)
    return out.getvalue().encode("utf-8")
