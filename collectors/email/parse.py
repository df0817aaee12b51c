"""One mail's bytes → its sender and the questions in it. Pure: no network, no database.

Whatever the bytes hold (broken MIME, unknown or wrong charsets, no body at all), `read_mail`
returns a `Mail`; what went wrong is listed in `problems`, one short phrase each, for the
collector's one log line about that message.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

from models import MAX_TEXT

# Single-byte charsets that decode any bytes: a UTF-8 body declared as one of these still
# "decodes", into mojibake, so UTF-8 is tried first when the bytes are not plain ASCII.
_SINGLE_BYTE = re.compile(r"^(iso-?8859-\d+|latin-?\d|l\d|windows-125\d|cp125\d|us-ascii|ascii)$")
# Anything but tab and newline below U+0020, DEL, C1 controls, and bidi overrides/isolates.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")
_SIGNATURE = re.compile(r"^(--|__+|-- )\s*$")
_ATTRIBUTION = re.compile(
    r"^(On\b.*\bwrote:|Am\b.*\bschrieb.*:|Le\b.*\ba écrit\s*:|El\b.*\bescribió:|"
    r".*\bwrote:)\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_START = re.compile(r"^(On|Am|Le|El)\s.+", re.IGNORECASE)
_ORIGINAL = re.compile(r"^-{2,}\s*(Original Message|Ursprüngliche Nachricht)\s*-{2,}$", re.I)
_FORWARDED = re.compile(
    r"^(-{2,}\s*Forwarded message\s*-{2,}|Begin forwarded message:|-{2,}\s*Weitergeleitete "
    r"Nachricht\s*-{2,})$",
    re.IGNORECASE,
)
_HEADER_LINE = re.compile(r"^(From|Date|Sent|Subject|To|Cc|Reply-To)\s*:", re.IGNORECASE)
_MOBILE = re.compile(r"^(Sent from my \w+|Get Outlook for \w+)", re.IGNORECASE)
_CLOSING = re.compile(
    r"^(thanks|thank you|many thanks|thanks a lot|thanks in advance|best|best regards|"
    r"kind regards|regards|cheers|all the best|warm regards|sincerely)\b[\s,.!]*(\w+[\s,.!]*)?$",
    re.IGNORECASE,
)
_GREETING = re.compile(
    r"^(hi|hello|hey|dear|good (morning|afternoon|evening)|greetings)\b[^?]{0,60}[,!.:]?$",
    re.IGNORECASE,
)
_ITEM = re.compile(r"^\s*(?:\(?\d{1,2}[.)]|[-*•–·])\s+(?P<rest>\S.*)$")
_SUBJECT_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg|tr)\s*:\s*)+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Mail:
    """What the queue needs from one mail."""

    key: str  # stable across UIDVALIDITY changes: sender and Message-ID, hashed
    sender: str | None  # the address, lower-cased (becomes a keyed hash at ingestion)
    sender_name: str | None
    subject: str
    sent_at: datetime | None
    questions: tuple[str, ...]
    problems: tuple[str, ...]


def read_mail(raw: bytes, *, fallback_key: str) -> Mail:
    """Parse a mail (or its first part: a long one is read truncated); never raises."""
    problems: list[str] = []
    msg = message_from_bytes(raw)
    if msg.defects and _serious(msg):
        problems.append("malformed MIME (" + type(msg.defects[0]).__name__ + ")")
    sender, name = _sender(msg)
    subject = header_text(msg, "Subject")
    message_id = header_text(msg, "Message-ID").strip().strip("<>")
    key = _key(sender, message_id) if message_id else fallback_key
    text, found = _body(msg)
    problems.extend(found)
    questions = split_questions(strip_quoted(text))
    if not questions:
        problems.append("empty body")
    return Mail(
        key=key,
        sender=sender,
        sender_name=name,
        subject=subject,
        sent_at=_date(msg),
        questions=tuple(questions),
        problems=tuple(problems),
    )


def has_tag(subject: str, tag: str | None) -> bool:
    """Whether a subject carries the host's tag (any case, anywhere); no tag takes all."""
    if not tag:
        return True
    return tag.casefold() in subject.casefold()


def subject_question(subject: str, tag: str | None) -> str:
    """The subject without Re:/Fwd: and the tag, for a mail whose body is empty."""
    text = _SUBJECT_PREFIX.sub("", subject)
    if tag:
        text = re.sub(re.escape(tag), " ", text, flags=re.IGNORECASE)
    return " ".join(text.split()).strip(" -:[]()")


def header_text(msg: Message, name: str) -> str:
    """A header decoded from RFC 2047 words; a broken one is read as well as it can be."""
    try:
        raw = msg.get(name)
    except Exception:  # a header the parser cannot even hold
        return ""
    if raw is None:
        return ""
    try:
        value = str(make_header(decode_header(str(raw))))
    except Exception:
        value = str(raw)
    return clean(" ".join(value.split()))


def clean(text: str) -> str:
    """Text safe to keep: no NUL or other controls, no bidi overrides, no lone surrogates."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return unicodedata.normalize("NFC", _CONTROLS.sub("", text))


def strip_quoted(text: str) -> str:
    """The new part of a mail: no quoted reply, signature or forwarded headers."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    skipping_headers = False
    for i, line in enumerate(lines):
        s = line.strip()
        if skipping_headers:
            if _HEADER_LINE.match(s):
                continue
            skipping_headers = False
            if not s:
                continue
        if _SIGNATURE.match(line) or _ORIGINAL.match(s) or _MOBILE.match(s):
            break
        if _FORWARDED.match(s):
            skipping_headers = True  # the forwarded mail's own words are kept
            continue
        if s.startswith(">"):
            continue
        if _ATTRIBUTION.match(s) and not s.endswith("?"):
            break
        if _ATTRIBUTION_START.match(s) and i + 1 < len(lines):
            # "On Tue, 1 Dec 2026 at 10:00, Ada <ada@example.org>\nwrote:" wraps.
            joined = s + " " + lines[i + 1].strip()
            if _ATTRIBUTION.match(joined) and lines[i + 1].strip().lower().endswith("wrote:"):
                break
        if (
            re.match(r"^From:\s", s)
            and i + 1 < len(lines)
            and re.match(r"^(Sent|Date):\s", lines[i + 1].strip())
        ):
            break  # Outlook's reply header
        out.append(line)
    return "\n".join(out)


def split_questions(text: str) -> list[str]:
    """Several numbered or bulleted items → one text each; otherwise the body as one text."""
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines and _GREETING.match(lines[0].strip()):
        lines.pop(0)
    kept: list[str] = []
    for line in lines:
        if _CLOSING.match(line.strip()):
            break  # "Thanks,\nAda": the sign-off and the name under it
        kept.append(line)
    items: list[list[str]] = []
    current: list[str] | None = None
    prose = 0
    for line in kept:
        m = _ITEM.match(line)
        if m:
            current = [m["rest"].strip()]
            items.append(current)
        elif not line.strip():
            current = None
        elif current is not None and line[:1].isspace():
            current.append(line.strip())  # an item's indented second line
        else:
            current = None
            prose += 1
    if len(items) >= 2 or (items and not prose):
        return [_shorten(" ".join(item)) for item in items]
    whole = " ".join(" ".join(kept).split())
    return [_shorten(whole)] if whole else []


def html_to_text(html: str) -> str:
    """Visible text of an HTML body, blocks on their own lines; quoted parts left out."""
    parser = _Text()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient; this is for the unforeseen
        pass
    return parser.text()


# -- internals --------------------------------------------------------------------------------
def _serious(msg: Message) -> bool:
    # A missing closing boundary is what a truncated read looks like: not worth a log line.
    names = {type(d).__name__ for d in msg.defects}
    return bool(names - {"CloseBoundaryNotFoundDefect", "MissingHeaderBodySeparatorDefect"})


def _sender(msg: Message) -> tuple[str | None, str | None]:
    value = header_text(msg, "From")
    try:
        pairs = getaddresses([value])
    except Exception:
        pairs = []
    for name, address in pairs:
        address = address.strip().lower()
        if "@" in address and len(address) <= 254:
            return address, (name.strip()[:200] or None)
    return None, None


def _key(sender: str | None, message_id: str) -> str:
    digest = hashlib.sha256(f"{sender or ''}\n{message_id}".encode()).hexdigest()
    return f"mid:{digest[:40]}"


def _date(msg: Message) -> datetime | None:
    value = header_text(msg, "Date")
    if not value:
        return None
    try:
        sent = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if sent.tzinfo is None or sent.utcoffset() is None:
        return None
    return sent


def clamp_sent(sent: datetime | None, *, now: datetime) -> datetime:
    """A Date header is whatever the sender wrote: never later than now, nor a month before."""
    if sent is None or sent > now:
        return now
    return max(sent, now - timedelta(days=31))


def _body(msg: Message) -> tuple[str, list[str]]:
    plain: Message | None = None
    html: Message | None = None
    for part in msg.walk():
        if part.is_multipart():
            continue
        disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
        if disposition == "attachment":
            continue
        kind = part.get_content_type()
        if kind.startswith("multipart/"):
            kind = "text/plain"  # a multipart whose boundary never came: its body is text
        if kind == "text/plain" and plain is None:
            plain = part
        elif kind == "text/html" and html is None:
            html = part
    if plain is not None:
        text, problems = _decode(plain)
        if text.strip() or html is None:
            return text, problems
    if html is not None:
        text, problems = _decode(html)
        return html_to_text(text), problems
    return "", []


def _decode(part: Message) -> tuple[str, list[str]]:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        return "", ["unreadable body"]
    if not isinstance(payload, bytes):
        return "", []
    problems: list[str] = []
    try:
        declared = part.get_content_charset()
    except Exception:
        declared = None
    if declared is not None:
        try:
            if not codecs.lookup(declared)._is_text_encoding:
                raise LookupError(declared)
        except LookupError:
            problems.append(f"unknown charset {declared[:40]!r}")
            declared = None
    if declared is None:
        return clean(_guess(payload, problems)), problems
    try:
        text = payload.decode(declared)
    except (UnicodeError, ValueError, TypeError, LookupError):
        problems.append(f"not valid {declared}")
        return clean(_guess(payload, problems)), problems
    if _SINGLE_BYTE.match(declared) and not payload.isascii():
        try:
            utf8 = payload.decode("utf-8")
        except UnicodeDecodeError:
            return clean(text), problems
        problems.append(f"declared {declared} but is UTF-8")
        return clean(utf8), problems
    return clean(text), problems


def _guess(payload: bytes, problems: list[str]) -> str:
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lenient = payload.decode("utf-8", "replace")
    if any(ord(c) > 0x7F and c != "\ufffd" for c in lenient):
        # Real UTF-8 sequences around a few broken bytes: UTF-8 it is.
        problems.append("read as UTF-8 with the broken bytes replaced")
        return lenient
    problems.append("read as Windows-1252")
    return payload.decode("cp1252", "replace")


def _shorten(text: str) -> str:
    if len(text) <= MAX_TEXT:
        return text
    cut = text[: MAX_TEXT - 1].rsplit(" ", 1)[0]
    return cut + "…"


_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table"}
_SKIP = {"script", "style", "head", "title", "blockquote"}
_QUOTE_CLASSES = ("gmail_quote", "moz-cite-prefix", "yahoo_quoted", "protonmail_quote")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip: tuple[str, int] | None = None  # the skipped element and its nesting depth

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip is not None:
            if tag == self.skip[0]:
                self.skip = (tag, self.skip[1] + 1)
            return
        classes = " ".join(v or "" for k, v in attrs if k == "class")
        if tag in _SKIP or any(c in classes for c in _QUOTE_CLASSES):
            self.skip = (tag, 1)
            return
        if tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if self.skip is not None:
            if tag == self.skip[0]:
                depth = self.skip[1] - 1
                self.skip = None if depth == 0 else (tag, depth)
            return
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip is None:
            self.parts.append(" ".join(data.split(" ")).replace("\n", " "))

    def text(self) -> str:
        lines = [" ".join(line.split()) for line in "".join(self.parts).split("\n")]
        return "\n".join(lines)
