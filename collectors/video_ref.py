"""A YouTube video reference as hosts paste it: an id or any URL form."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_HOSTS = {
    "youtube.com",
    "www.youtube.com",
    "m.youtube.com",
    "music.youtube.com",
    "youtube-nocookie.com",
    "www.youtube-nocookie.com",
    "youtu.be",
    "www.youtu.be",
}


def video_id(ref: str) -> str:
    """The 11-character video id in `ref`; ValueError naming the problem otherwise."""
    ref = ref.strip()
    if _ID.match(ref):
        return ref
    url = urlparse(ref if "://" in ref else "https://" + ref)
    host = (url.hostname or "").lower()
    if host not in _HOSTS:
        raise ValueError(f"not a YouTube video id or URL: {ref[:80]!r}")
    if host.endswith("youtu.be"):
        candidate = url.path.strip("/").split("/")[0]
    else:
        candidate = (parse_qs(url.query).get("v") or [""])[0]
        if not candidate:
            parts = [p for p in url.path.split("/") if p]
            if len(parts) >= 2 and parts[0] in {"live", "shorts", "embed", "v", "e"}:
                candidate = parts[1]
    if not _ID.match(candidate):
        raise ValueError(f"no video id in YouTube URL: {ref[:80]!r}")
    return candidate
