"""Parse an import file into asks: pure, with line numbers for every rejection.

CSV: UTF-8 (a BOM is fine), a header row with a `text` column and optional `author`, `source`,
`asked_at` (ISO 8601) and `id` columns. JSON: a list of objects with the same keys, or
{"questions": [...]}. Rows without an `id` get one from their content, so importing the same
file twice adds nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from intake.asks import IncomingAsk
from models import MAX_TEXT, Platform

KNOWN = {"text", "author", "source", "asked_at", "id"}


class ImportFileError(ValueError):
    """The file as a whole cannot be read: nothing is imported."""


@dataclass(frozen=True, slots=True)
class Rejection:
    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class ParsedImport:
    asks: list[tuple[int, IncomingAsk]]  # (line, ask)
    rejected: list[Rejection]


def parse_import(data: bytes, *, filename: str, now: datetime) -> ParsedImport:
    """Read a CSV or JSON file of questions; the format comes from the name, else the content."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"file is not UTF-8 (byte {exc.start})") from exc
    if not text.strip():
        raise ImportFileError("file is empty")
    lowered = filename.lower()
    is_json = lowered.endswith(".json") or (
        not lowered.endswith(".csv") and text.lstrip()[:1] in "[{"
    )
    rows = _json_rows(text) if is_json else _csv_rows(text)
    asks: list[tuple[int, IncomingAsk]] = []
    rejected: list[Rejection] = []
    source_id = f"import:{filename[:100]}"
    for line, row in rows:
        try:
            asks.append((line, _ask(row, source_id=source_id, now=now)))
        except ValueError as exc:
            rejected.append(Rejection(line, str(exc)))
    return ParsedImport(asks, rejected)


def _csv_rows(text: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ImportFileError(f"CSV header unreadable: {exc}") from exc
    if "text" not in header:
        raise ImportFileError("CSV has no `text` column in its header row")
    reader.fieldnames = header
    rows = []
    try:
        for record in reader:
            extra = record.pop(None, None)  # type: ignore[call-overload]
            row = {k: v for k, v in record.items() if k in KNOWN}
            if extra:
                row["_extra"] = extra
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise ImportFileError(f"CSV line {reader.line_num}: {exc}") from exc
    return rows


def _json_rows(text: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    except RecursionError as exc:
        # 200,000 nested `[` is no list of questions; say so instead of crashing.
        raise ImportFileError("invalid JSON: nested too deeply (questions are one level)") from exc
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise ImportFileError(f"invalid JSON: {str(exc)[:200]}") from exc
    if isinstance(doc, dict) and isinstance(doc.get("questions"), list):
        doc = doc["questions"]
    if not isinstance(doc, list):
        raise ImportFileError('JSON must be a list of questions or {"questions": [...]}')
    # JSON has no lines per item: report the item's position (1-based) as its line.
    return [
        (i, item if isinstance(item, dict) else {"_bad": item})
        for i, item in enumerate(doc, start=1)
    ]


def _ask(row: dict[str, Any], *, source_id: str, now: datetime) -> IncomingAsk:
    if "_bad" in row:
        raise ValueError("item is not an object")
    if row.get("_extra"):
        raise ValueError("more fields than the header has")
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("text is missing or empty")
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise ValueError(f"text is longer than {MAX_TEXT} characters")
    author = _optional_str(row, "author", 200)
    source = _optional_str(row, "source", 40)
    asked_at = now
    if row.get("asked_at"):
        try:
            asked_at = datetime.fromisoformat(str(row["asked_at"]).strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError(f"asked_at is not an ISO 8601 time: {row['asked_at']!r}") from exc
        if asked_at.tzinfo is None:
            asked_at = asked_at.replace(tzinfo=UTC)
    message_id = (
        _optional_str(row, "id", 200)
        or hashlib.sha256(
            f"{text}\x00{author or ''}\x00{row.get('asked_at') or ''}".encode()
        ).hexdigest()[:32]
    )
    platform = Platform.email if (source or "").lower() == "email" else Platform.manual
    return IncomingAsk(
        platform=platform,
        source_id=source_id,
        message_id=message_id,
        text=text,
        asked_at=asked_at,
        author_id=None,
        author_name=author,
        source_label=source,
        force_question=True,
    )


def _optional_str(row: dict[str, Any], key: str, limit: int) -> str | None:
    value = row.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str | int):
        raise ValueError(f"{key} must be a string")
    value = str(value).strip()
    if len(value) > limit:
        raise ValueError(f"{key} is longer than {limit} characters")
    return value or None
