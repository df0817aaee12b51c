"""A real IMAP server for tests and the demo: Debian's Dovecot, on loopback, in a temp dir.

Not a fake: the collector talks to the same server it meets in production. The instance has
its own configuration, one passwd-file user, Maildir storage, no TLS (plain imap:// on
127.0.0.1 only) and a free port. When run as root it hands mail to `nobody` (Dovecot will not
run its login or mail processes as root); otherwise everything runs as the current user.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

USER = "answers@example.org"
PASSWORD = "test-only-imap-password-7f3a"


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if os.access("/usr/sbin/dovecot", os.X_OK) else None
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Dovecot:
    """`start()` it, fill it with `append()`, read it with the collector at `url`."""

    def __init__(self, *, user: str = USER, password: str = PASSWORD) -> None:
        binary = dovecot_binary()
        if binary is None:
            raise RuntimeError("dovecot is not installed (Debian: apt-get install dovecot-imapd)")
        self.binary = binary
        self.user, self.password = user, password
        self.port = 0
        self.root: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"imap://{quote(self.user, safe='')}@127.0.0.1:{self.port}/INBOX"

    def start(self) -> Dovecot:
        self.root = Path(tempfile.mkdtemp(prefix="liveq-dovecot-"))
        self.root.chmod(0o755)
        home = self.root / "home"
        home.mkdir()
        home.chmod(0o777)
        (self.root / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}\n")
        self.port = _free_port()
        conf = self.root / "dovecot.conf"
        conf.write_text(self._config(home))
        self._process = subprocess.Popen(
            [self.binary, "-F", "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                err = (
                    self._process.stderr.read().decode(errors="replace")
                    if self._process.stderr
                    else ""
                )
                raise RuntimeError(f"dovecot exited at start: {err.strip()[:500]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    if s.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"dovecot did not answer on 127.0.0.1:{self.port}")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> Dovecot:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def client(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=30)
        conn.login(self.user, self.password)
        return conn

    def append(self, *messages: bytes, folder: str = "INBOX") -> list[int]:
        """APPEND each message; returns their UIDs (from APPENDUID)."""
        uids = []
        conn = self.client()
        try:
            for raw in messages:
                typ, data = conn.append(f'"{folder}"', None, None, raw)
                assert typ == "OK", data
                uids.append(int(data[0].split(b"APPENDUID ")[1].split(b" ")[1].rstrip(b"]")))
        finally:
            conn.logout()
        return uids

    def append_many(self, messages: Iterable[bytes], folder: str = "INBOX") -> int:
        """APPEND a flood quickly: MULTIAPPEND commands of 500 messages (non-synchronising
        literals), each one round trip."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=120) as s:
            reader = s.makefile("rb")
            reader.readline()
            self._command(s, reader, f'LOGIN "{self.user}" "{self.password}"'.encode())
            count, chunk = 0, bytearray()
            for raw in messages:
                count += 1
                chunk += f" {{{len(raw)}+}}\r\n".encode() + raw
                if count % 500 == 0:
                    self._command(s, reader, f'APPEND "{folder}"'.encode() + chunk)
                    chunk = bytearray()
            if chunk:
                self._command(s, reader, f'APPEND "{folder}"'.encode() + chunk)
            self._command(s, reader, b"LOGOUT")
        return count

    @staticmethod
    def _command(s: socket.socket, reader: Any, command: bytes) -> None:
        s.sendall(b"t " + command + b"\r\n")
        while True:
            line = reader.readline()
            if not line:
                raise RuntimeError("dovecot closed the connection")
            if line.startswith(b"t "):
                if not line.startswith(b"t OK"):
                    raise RuntimeError(line.decode(errors="replace")[:300])
                return

    def flags(self, folder: str = "INBOX") -> dict[int, set[str]]:
        """Each message's flags, by UID."""
        conn = self.client()
        try:
            conn.select(f'"{folder}"', readonly=True)
            typ, data = conn.uid("FETCH", "1:*", "(FLAGS)")
            found: dict[int, set[str]] = {}
            for line in data:
                if not isinstance(line, bytes) or b"UID" not in line:
                    continue
                text = line.decode()
                uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
                flags = text.split("FLAGS (")[1].split(")")[0].split()
                found[uid] = set(flags)
            return found
        finally:
            conn.logout()

    def _config(self, home: Path) -> str:
        assert self.root is not None
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            users = {"internal": "dovecot", "group": "dovecot", "login": "dovenull"}
            uid, gid = nobody.pw_uid, nobody.pw_gid
            for name in ("dovecot", "dovenull"):
                pwd.getpwnam(name)  # KeyError: the package's users are missing
        else:
            me = pwd.getpwuid(os.getuid()).pw_name
            users = {"internal": me, "group": grp.getgrgid(os.getgid()).gr_name, "login": me}
            uid, gid = os.getuid(), os.getgid()
        return f"""
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
instance_name = liveq-{self.port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {users["internal"]}
default_internal_group = {users["group"]}
default_login_user = {users["login"]}
mail_fsync = never
auth_failure_delay = 0
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={home}/%u
}}
mail_location = mdbox:~/mdbox
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""
