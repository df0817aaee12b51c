"""Parse an import file into asks: pure, with line numbers for every rejection.

CSV: UTF-8 (a BOM is fine), a header row with a `text` column and optional `author`, `source`,
`asked_at` (ISO 8601) and `id` columns. JSON: a list of objects with the same keys, or
{"questions": [...]}. Rows without an `id` get one from their content, so importing the same
file twice adds nothing.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
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


# More rows than any mailbox of questions holds: a file of tiny rows must not make a million
# asks in memory.
MAX_ROWS = 100_000
# The longest CSV field read: a question is at most MAX_TEXT characters; a longer field is
# usually an unclosed quote swallowing the rest of the file.
MAX_FIELD = 4 * MAX_TEXT

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose BOM it starts with
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def parse_import(data: bytes, *, filename: str, now: datetime) -> ParsedImport:
    """Read a CSV or JSON file of questions; the format comes from the name, else the content.

    Pure and CPU-bound: the API runs it in a thread. Any file that cannot be read as a whole
    raises ImportFileError naming the problem (encoding, nesting, size, structure).
    """
    text = _decode(data)
    if not text.strip():
        raise ImportFileError("file is empty")
    lowered = filename.lower()
    is_json = lowered.endswith(".json") or (
        not lowered.endswith(".csv") and text.lstrip()[:1] in "[{"
    )
    rows = _json_rows(text) if is_json else _csv_rows(text)
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"file has {len(rows)} rows; at most {MAX_ROWS} per import")
    asks: list[tuple[int, IncomingAsk]] = []
    rejected: list[Rejection] = []
    source_id = f"import:{filename[:100]}"
    for line, row in rows:
        try:
            asks.append((line, _ask(row, source_id=source_id, now=now)))
        except ValueError as exc:
            rejected.append(Rejection(line, str(exc)))
    return ParsedImport(asks, rejected)


def _decode(data: bytes) -> str:
    """UTF-8 (a BOM is fine), or UTF-16/32 when a BOM says so (spreadsheets' "Unicode text")."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise ImportFileError(
                    f"file starts as {codec.upper()} but is not valid {codec.upper()} "
                    f"(byte {exc.start})"
                ) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportFileError(
            f"file is not UTF-8: byte 0x{data[exc.start]:02X} at line {line} (byte {exc.start}); "
            "save it as UTF-8"
        ) from exc


def _csv_rows(text: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    csv.field_size_limit(MAX_FIELD)  # process-wide; liveq reads no other CSV
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
            if len(rows) > MAX_ROWS:
                raise ImportFileError(f"file has more than {MAX_ROWS} rows; at most {MAX_ROWS}")
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ImportFileError(
                f"CSV after line {reader.line_num}: a field is longer than {MAX_FIELD} characters "
                "(an unclosed quote?)"
            ) from exc
        raise ImportFileError(f"CSV line {reader.line_num}: {exc}") from exc
    return rows


_SPACE = re.compile(r"[ \t\n\r]*")
_WRAPPED = re.compile(r'[ \t\n\r]*\{[ \t\n\r]*"questions"[ \t\n\r]*:[ \t\n\r]*(?=\[)')


def _json_doc(text: str) -> Any:
    """The document, its list read an item at a time: one json.loads of megabytes holds the
    interpreter (and so the service's event loop) for its whole length; between items the
    parsing thread lets it go. A wrapper with other keys is read whole."""
    wrapped = _WRAPPED.match(text)
    pos = wrapped.end() if wrapped else _SPACE.match(text).end()  # type: ignore[union-attr]
    if not text.startswith("[", pos):
        return json.loads(text)
    decoder = json.JSONDecoder()
    items: list[Any] = []
    pos = _SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
    if text.startswith("]", pos):
        pos += 1
    else:
        while True:
            item, pos = decoder.raw_decode(text, pos)
            items.append(item)
            if len(items) > MAX_ROWS:
                raise ImportFileError(
                    f"file has more than {MAX_ROWS} questions; at most {MAX_ROWS}"
                )
            pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]
            if text.startswith(",", pos):
                pos = _SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
            elif text.startswith("]", pos):
                pos += 1
                break
            else:
                raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
    rest = text[pos:].strip(" \t\n\r")
    if wrapped is None:
        if rest:
            raise json.JSONDecodeError("Extra data", text, pos)
        return items
    if rest != "}":
        return json.loads(text)  # more keys than "questions": read it whole
    return {"questions": items}


def _json_rows(text: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        doc = _json_doc(text)
    except ImportFileError:
        raise
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
    if len(doc) > MAX_ROWS:
        raise ImportFileError(f"file has {len(doc)} questions; at most {MAX_ROWS} per import")
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
            shown = repr(row["asked_at"])
            shown = shown if len(shown) <= 40 else shown[:39] + "…"
            raise ValueError(f"asked_at is not an ISO 8601 time: {shown}") from exc
        if asked_at.tzinfo is None:
            asked_at = asked_at.replace(tzinfo=UTC)
        try:
            asked_at = asked_at.astimezone(UTC)
        except OverflowError as exc:
            raise ValueError("asked_at is out of range") from exc
    message_id = (
        _optional_str(row, "id", 200)
        or hashlib.sha256(
            # surrogatepass: a lone surrogate (a JSON escape) must not crash the hash.
            f"{text}\x00{author or ''}\x00{row.get('asked_at') or ''}".encode(
                "utf-8", "surrogatepass"
            )
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
