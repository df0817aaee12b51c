"""The IMAP calls: the standard library's imaplib, blocking, run in a thread by the collector.

One `ImapConnection` is one logged-in session on one folder. Its methods block; the collector
calls them through `asyncio.to_thread`, and a lock keeps a call that outlived a cancelled
caller from sharing the socket with the next one.
"""

from __future__ import annotations

import imaplib
import re
import socket
import ssl
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from collectors.email.mailbox import Mailbox

# Errors after which the next pass simply tries again.
TRANSIENT = (OSError, socket.timeout, ssl.SSLError, imaplib.IMAP4.abort, EOFError)


class ImapFailed(Exception):
    """An IMAP call that failed with a reason fit for a log line and the sources page."""


class LoginRefused(ImapFailed):
    """The server refused the user name or password: no use retrying every poll."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """One message as fetched: its header and the first bytes of its body."""

    uid: int
    size: int
    raw: bytes
    truncated: bool


class ImapConnection:
    """A logged-in IMAP session with `mailbox.folder` selected for writing."""

    def __init__(self, mailbox: Mailbox, *, timeout: float) -> None:
        self.mailbox = mailbox
        self.timeout = timeout
        self.uidvalidity = 0
        self._conn: imaplib.IMAP4 | None = None
        self._lock = threading.Lock()

    def open(self, password: str) -> int:
        """Connect, log in, select the folder; returns its UIDVALIDITY."""
        box = self.mailbox
        with self._lock:
            try:
                if box.tls:
                    conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                        box.host,
                        box.port,
                        ssl_context=ssl.create_default_context(),
                        timeout=self.timeout,
                    )
                else:
                    conn = imaplib.IMAP4(box.host, box.port, timeout=self.timeout)
            except TRANSIENT as exc:
                raise ImapFailed(f"cannot reach {box.host}:{box.port} ({_why(exc)})") from None
            self._conn = conn
            try:
                conn.login(box.user, password)
            except imaplib.IMAP4.error:
                raise LoginRefused(
                    f"the server refused the login for {box.account}: check its password"
                ) from None
            typ, _ = conn.select(_quoted(box.folder))
            if typ != "OK":
                raise ImapFailed(f"cannot open the folder {box.folder!r}")
            _, values = conn.response("UIDVALIDITY")
            try:
                self.uidvalidity = int(values[0]) if values and values[0] else 0
            except (TypeError, ValueError):
                self.uidvalidity = 0
            return self.uidvalidity

    def uids_after(self, last_uid: int) -> list[int]:
        """The UIDs above `last_uid`, in order."""
        found = self._search("UID", f"{last_uid + 1}:*")
        return [uid for uid in found if uid > last_uid]

    def uids_without(self, flag: str) -> list[int]:
        """Every UID not carrying the keyword `flag` (after a UIDVALIDITY change)."""
        return self._search("UNKEYWORD", flag)

    def fetch(self, uids: list[int], *, max_body: int) -> list[Fetched]:
        """Header, size and the first `max_body` bytes of the body of each message."""
        if not uids:
            return []
        conn = self._need()
        with self._lock:
            typ, data = conn.uid(
                "FETCH",
                uid_set(uids),
                f"(UID RFC822.SIZE BODY.PEEK[HEADER] BODY.PEEK[TEXT]<0.{max_body}>)",
            )
        if typ != "OK":
            raise ImapFailed("the server refused to fetch messages")
        return parse_fetch(data, max_body=max_body)

    def mark(self, uids: list[int], flag: str) -> None:
        if not uids:
            return
        conn = self._need()
        with self._lock:
            typ, _ = conn.uid("STORE", uid_set(uids), "+FLAGS.SILENT", f"({flag})")
        if typ != "OK":
            raise ImapFailed(f"the server refused the keyword {flag}")

    def move(self, uids: list[int], folder: str) -> None:
        """Move to `folder` (made if missing): MOVE where offered, else copy and expunge."""
        if not uids:
            return
        conn = self._need()
        target, which = _quoted(folder), uid_set(uids)
        with self._lock:
            conn.create(target)  # NO when it exists: fine
            capabilities = conn.capabilities
            if "MOVE" in capabilities:
                typ, _ = conn.uid("MOVE", which, target)
            else:
                typ, _ = conn.uid("COPY", which, target)
                if typ == "OK":
                    conn.uid("STORE", which, "+FLAGS.SILENT", r"(\Deleted)")
                    if "UIDPLUS" in capabilities:
                        conn.uid("EXPUNGE", which)
                    else:
                        conn.expunge()
        if typ != "OK":
            raise ImapFailed(f"cannot move messages to the folder {folder!r}")

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        with self._lock:
            try:
                conn.logout()
            except Exception:  # the connection is going anyway
                try:
                    conn.shutdown()
                except Exception:
                    pass

    def _search(self, *criteria: str) -> list[int]:
        conn = self._need()
        with self._lock:
            typ, data = conn.uid("SEARCH", *criteria)
        if typ != "OK":
            raise ImapFailed("the server refused a search")
        found: list[int] = []
        for chunk in data:
            if isinstance(chunk, bytes):
                found.extend(int(n) for n in chunk.split() if n.isdigit())
        return sorted(found)

    def _need(self) -> imaplib.IMAP4:
        if self._conn is None:
            raise ImapFailed("not connected")
        return self._conn


def uid_set(uids: Iterable[int]) -> str:
    """`1:5,7,9:12`: a compact UID set."""
    ordered = sorted(set(uids))
    ranges: list[str] = []
    start = prev = ordered[0]
    for uid in ordered[1:]:
        if uid == prev + 1:
            prev = uid
            continue
        ranges.append(f"{start}:{prev}" if prev != start else str(start))
        start = prev = uid
    ranges.append(f"{start}:{prev}" if prev != start else str(start))
    return ",".join(ranges)


_START = re.compile(rb"^\d+ \(")
_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_SECTION = re.compile(rb"BODY\[(HEADER|TEXT)\](?:<\d+>)? \{\d+\}$")


@dataclass
class _Pieces:
    meta: bytes = b""
    header: bytes = b""
    text: bytes = b""


def parse_fetch(data: list[object], *, max_body: int) -> list[Fetched]:
    """imaplib's FETCH answer (tuples of text and literal, and bare text) → messages."""
    messages: list[_Pieces] = []
    for piece in data:
        prefix, literal = (piece[0], piece[1]) if isinstance(piece, tuple) else (piece, None)
        if not isinstance(prefix, bytes):
            continue
        if _START.match(prefix) or not messages:
            messages.append(_Pieces())
        current = messages[-1]
        current.meta += b" " + prefix
        section = _SECTION.search(prefix)
        if section is not None and isinstance(literal, bytes):
            if section[1] == b"HEADER":
                current.header = literal
            else:
                current.text = literal
    fetched = []
    for message in messages:
        uid = _UID.search(message.meta)
        if uid is None:
            continue
        size = _SIZE.search(message.meta)
        header, text = message.header, message.text
        total = int(size[1]) if size else len(header) + len(text)
        fetched.append(
            Fetched(
                uid=int(uid[1]),
                size=total,
                raw=header + text,
                truncated=len(text) >= max_body and total > len(header) + len(text),
            )
        )
    return fetched


def _quoted(folder: str) -> str:
    return '"' + folder + '"'


def _why(exc: BaseException) -> str:
    return type(exc).__name__ if not str(exc) else f"{type(exc).__name__}: {exc}"[:200]
