"""Reading a flood's texts ahead of ingestion, in a process of its own.

Under a flood the service's event loop is the limit (one core does it all), and about half of
storing a batch is reading its texts: whether each asks something (in each question mode), its
normalized key, and its match signature. Those depend on the text alone, so a child process
(the worker of intake/matching/encoder_process.py) reads the next batch on another core while
this one is stored. Ingest takes each text's reading from here instead of reading it again:
the same functions, so the same results. Whatever is missing (the child still starting, or
gone, or a text it was not sent) is read inline as before.

Only batches of `FROM` texts or more go to the child: a calm chat's message is read inline,
without a round trip. The child starts with the Telegram collector's long polling (its start
takes a second or two: started by a flood's first batch, it was ready only once that flood was
stored), or with the first large batch; a service without one never starts it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from intake.matching.base import Signature
from intake.matching.encoder_process import RESTART_SECONDS, EncoderProcess
from intake.matching.lexical import (
    LexicalMatcher,
    SignatureParts,
    signature_from,
    signature_parts,
)
from intake.text.clean import clean_text
from intake.text.detect import is_question
from intake.text.normalize import normalize
from models.event import QuestionMode

log = logging.getLogger("liveq.ingest")

# A batch this large goes to the child (Telegram hands out 100 updates at most at a time).
FROM = 50
# Readings stay for a text's next occurrence (chatter repeats), all dropped beyond this many.
_KEPT = 5_000
_MODES = tuple(QuestionMode)
_MATCHER = LexicalMatcher()


@dataclass(frozen=True, slots=True)
class Reading:
    """One text (cleaned and stripped, as ingest sees it) read as ingest reads it."""

    asks: tuple[bool, ...]  # is_question in each question mode, unforced (_MODES' order)
    key: str  # normalize(text)
    signature: Signature | None  # the lexical matcher's, of `key` (None when it is empty)

    def is_question(self, mode: QuestionMode, *, force: bool) -> bool:
        return force or self.asks[_MODES.index(mode)]


def read(text: str) -> Reading:
    key = normalize(text)
    return Reading(
        asks=tuple(is_question(text, mode) for mode in _MODES),
        key=key,
        signature=_MATCHER.signature(key) if key else None,
    )


# A reading as sent back from the child: text, asks, key, the signature's parts (or None).
Sent = tuple[str, tuple[bool, ...], str, SignatureParts | None]


class Reader:
    """The child's worker: raw texts in, each as ingest sees it (cleaned and stripped) with its
    reading out, as plain tuples (quick to send)."""

    def answer(self, texts: Sequence[str]) -> list[Sent]:
        found: list[Sent] = []
        for raw in texts:
            text = clean_text(raw).strip()
            if text:
                reading = read(text)
                parts = None if reading.signature is None else signature_parts(reading.signature)
                found.append((text, reading.asks, reading.key, parts))
        return found


class TextsAhead:
    """The service's reader of texts ahead: one child, started on the first large batch."""

    def __init__(self, *, make: str = f"{__name__}:Reader", start_timeout: float = 60.0) -> None:
        self._make, self._start_timeout = make, start_timeout
        self._child: EncoderProcess | None = None
        self._starting: asyncio.Task[None] | None = None
        self._failed_at: float | None = None
        self._readings: dict[str, Reading] = {}
        self.sent = 0  # texts sent to the child, and readings ingest used (for the tests)
        self.taken = 0

    def read(self, texts: Sequence[str]) -> asyncio.Task[None] | None:
        """Have `texts` read in the child; the task ends once their readings are here (or the
        child could not: they are read inline then), each distinct text sent once. None when
        the batch is small, the child is not ready yet, or every text is read already."""
        if len(texts) < FROM:
            return None
        if self._child is None:
            self.start()
            return None
        unread = list(dict.fromkeys(t for t in texts if t.strip() not in self._readings))
        if not unread:
            return None  # all read already
        self.sent += len(unread)
        return asyncio.create_task(self._ask(self._child, unread), name="liveq-read-ahead")

    @property
    def started(self) -> bool:
        """Whether the child runs or is starting."""
        return self._child is not None or self._starting is not None

    async def ready(self) -> bool:
        """Start the child if it is not running, and wait for it: whether it is up."""
        if self._child is None:
            self.start()
            if self._starting is not None:
                await asyncio.gather(self._starting, return_exceptions=True)
        return self._child is not None

    @property
    def pid(self) -> int | None:
        """The child's process id, while it runs."""
        return None if self._child is None else self._child.pid

    def take(self, text: str) -> Reading | None:
        """The reading of `text` (cleaned and stripped), if the child read it. (Kept for the
        text's next occurrence: chatter repeats.)"""
        found = self._readings.get(text)
        if found is not None:
            self.taken += 1
        return found

    async def close(self) -> None:
        if self._starting is not None:
            await asyncio.gather(self._starting, return_exceptions=True)
        if self._child is not None:
            child, self._child = self._child, None
            await asyncio.to_thread(child.close)

    def start(self) -> None:
        """Start the child in the background, unless it runs, is starting, or failed to start
        in the last RESTART_SECONDS."""
        if self._child is not None or self._starting is not None:
            return
        if self._failed_at is not None and time.monotonic() - self._failed_at < RESTART_SECONDS:
            return
        self._starting = asyncio.create_task(self._started(), name="liveq-read-ahead-start")

    async def _started(self) -> None:
        try:
            self._child = await asyncio.to_thread(
                EncoderProcess,
                self._make,
                start_timeout=self._start_timeout,
                name="the text reader's process",
                lost="the text reader's process ended: reading texts inline until it restarts",
            )
        except Exception as exc:  # noqa: BLE001 - texts are read inline meanwhile
            self._failed_at = time.monotonic()
            log.warning("could not start the text reader's process: %s", exc)
        finally:
            self._starting = None

    async def _ask(self, child: EncoderProcess, texts: list[str]) -> None:
        try:
            found = await asyncio.to_thread(_received, child, texts)
        except Exception as exc:  # noqa: BLE001 - read inline instead
            # (A child that died says so once itself, and is started again on a later call.)
            # The error's type only: its message may quote an asker's text.
            log.debug("reading %d texts ahead failed (%s)", len(texts), type(exc).__name__)
            return
        if len(self._readings) >= _KEPT:
            self._readings.clear()
        self._readings.update(found)


def _received(child: EncoderProcess, texts: list[str]) -> list[tuple[str, Reading]]:
    """The child's readings of `texts`, made whole (in the calling thread)."""
    sent: list[Sent] = child.call(texts)  # type: ignore[assignment]
    return [
        (text, Reading(asks, key, None if parts is None else signature_from(parts)))
        for text, asks, key, parts in sent
    ]
