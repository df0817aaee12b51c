"""A mailbox as an event names it (`imaps://user@host:993/INBOX`), and where its password is."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from collectors.email.settings import EmailSettings

_SCHEMES = {"imaps": 993, "imap": 143}


class BadMailbox(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Mailbox:
    """Where to log in and which folder to read; holds no password."""

    scheme: str
    user: str
    host: str
    port: int
    folder: str

    @property
    def url(self) -> str:
        """The canonical form, as stored on the source and used as the cursor's key."""
        return f"{self.scheme}://{quote(self.user, safe='')}@{self.host}:{self.port}/{self.folder}"

    @property
    def account(self) -> str:
        """`user@host`: the key of the mailbox's line in the secrets file."""
        return f"{self.user}@{self.host}"

    @property
    def source_id(self) -> str:
        """The asks' source id (at most 200 characters)."""
        url = self.url
        return url if len(url) <= 200 else "imap:" + hashlib.sha256(url.encode()).hexdigest()

    @property
    def tls(self) -> bool:
        return self.scheme == "imaps"


def parse_mailbox(value: str) -> Mailbox:
    """`imaps://user@host[:port][/folder]`; a password in the URL is refused, never kept."""
    value = value.strip()
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise BadMailbox(f"not a mailbox URL: {exc}") from None
    if parts.scheme not in _SCHEMES:
        raise BadMailbox("must start with imaps:// (or imap:// for a server on this machine)")
    if parts.password is not None:
        raise BadMailbox(
            "must not contain a password: set LIVEQ_EMAIL_PASSWORD or LIVEQ_EMAIL_SECRETS_FILE"
        )
    if not parts.username or not parts.hostname:
        raise BadMailbox("must name the user and the host: imaps://user@host:993/INBOX")
    if parts.query or parts.fragment:
        raise BadMailbox("must not have a ?query or #fragment")
    host = parts.hostname
    if parts.scheme == "imap" and host not in ("127.0.0.1", "localhost", "::1"):
        raise BadMailbox("imap:// sends the password in clear: use imaps:// for a remote host")
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    if len(folder) > 200 or any(c in folder for c in '\r\n"\\') or not folder.isprintable():
        raise BadMailbox("the folder name has characters IMAP cannot carry")
    mailbox = Mailbox(
        scheme=parts.scheme,
        user=unquote(parts.username),
        host=host,
        port=port or _SCHEMES[parts.scheme],
        folder=folder,
    )
    if len(mailbox.url) > 300:
        raise BadMailbox("longer than 300 characters")
    return mailbox


class Passwords:
    """Mailbox passwords from the secrets file, else LIVEQ_EMAIL_PASSWORD; never printed."""

    def __init__(self, settings: EmailSettings) -> None:
        self._default = (
            settings.email_password.get_secret_value() if settings.email_password else None
        )
        self._by_account = (
            read_secrets(settings.email_secrets_file) if settings.email_secrets_file else {}
        )

    def __repr__(self) -> str:
        return f"Passwords({len(self._by_account)} accounts, default={self._default is not None})"

    def for_mailbox(self, mailbox: Mailbox) -> str | None:
        return self._by_account.get(mailbox.account.lower(), self._default)

    def all(self) -> list[str]:
        """Every password, for the log redaction filter."""
        found = list(self._by_account.values())
        return found + ([self._default] if self._default else [])


def read_secrets(path: Path) -> dict[str, str]:
    """`user@host password` lines; a bad line is named by its number, never its content."""
    found: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^(\S+?)\s*(?:=\s*|\s+)(\S.*)$", line)
        account, password = (m[1], m[2].strip()) if m else ("", "")
        if "@" not in account or not password:
            raise ValueError(f"{path} line {number}: expected `user@host password`")
        found[account.lower()] = password
    return found
