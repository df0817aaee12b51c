"""The sentence encoder in a process of its own, for the service.

The bundled model's tokenizer is pure Python: run in a thread of the service it holds the
interpreter lock for milliseconds per text, and every request waits meanwhile (a queue read's
p99 grew several-fold while questions arrived). In a child process it costs the service only
sending the texts and receiving 512 floats each. The child ends with the service (its end of
the pipe closes); if it dies first, the next call says so (suggestions go on by words) and a
later one starts it again.
"""

from __future__ import annotations

import importlib
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

from intake.matching.semantic import Encoder, UseEncoder

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger("liveq.suggest")

# A child that died is started again at most this often.
RESTART_SECONDS = 30.0
# Where `python -m` finds this package (and a factory named from the tests).
_ROOT = Path(__file__).resolve().parents[2]


def serve(down: Connection, up: Connection, make: str) -> None:
    """The child: load the model (`module:name` of a factory), then answer each list of texts
    sent until the pipe closes: the encoder's vectors as one array, or what a worker's own
    `answer(texts)` returns (intake/text/ahead.py reads texts here)."""
    try:
        module, _, name = make.partition(":")
        worker = getattr(importlib.import_module(module), name)()
        answer = getattr(worker, "answer", None) or _stacked(worker.encode)
        answer(["warm up"])  # the first call builds the model's tables
    except Exception as exc:  # noqa: BLE001 - said to the parent, which decides
        up.send(("failed", f"{type(exc).__name__}: {exc}"[:300]))
        return
    up.send(("ready", None))
    while True:
        try:
            texts = down.recv()
        except (EOFError, OSError):
            return  # the service has gone
        try:
            up.send(("ok", answer(texts)))
        except Exception as exc:  # noqa: BLE001 - one bad batch is answered, not fatal
            up.send(("error", f"{type(exc).__name__}: {exc}"[:300]))


def _stacked(encode: Callable[[list[str]], Sequence[np.ndarray]]) -> Callable[[list[str]], object]:
    """An encoder's vectors as one array: one object to send, not one per text."""

    def answer(texts: list[str]) -> object:
        import numpy as np

        return np.stack(list(encode(texts)))

    return answer


def use_encoder() -> Encoder:
    return UseEncoder(threads=1)


class EncoderProcess:
    """An Encoder whose model runs in a child process (started by the constructor, which
    waits for the model to load and raises if it cannot). `make` names the model's factory as
    `module:name`, imported in the child."""

    def __init__(
        self,
        make: str = f"{__name__}:use_encoder",
        *,
        languages: frozenset[str] = UseEncoder.languages,
        start_timeout: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        name: str = "the encoder process",
        lost: str = "the sentence encoder's process ended: suggesting by words until it restarts",
    ) -> None:
        self.languages = languages
        self._make = make
        self._name, self._lost_message = name, lost
        self._start_timeout = start_timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._to: Connection | None = None
        self._from: Connection | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._died_at: float | None = None
        self._start()

    def _start(self) -> None:
        # A fresh interpreter running this module, not multiprocessing's spawn: that would
        # import the parent's __main__ again (any script embedding the app would run twice).
        down_read, down_write = os.pipe()
        up_read, up_write = os.pipe()
        proc = subprocess.Popen(
            [sys.executable, "-m", __name__, str(down_read), str(up_write), self._make],
            pass_fds=(down_read, up_write),
            stdin=subprocess.DEVNULL,
            cwd=_ROOT,
        )
        os.close(down_read)
        os.close(up_write)
        to_child, from_child = (
            Connection(down_write, readable=False),
            Connection(up_read, writable=False),
        )
        if not from_child.poll(self._start_timeout):
            proc.kill()
            proc.wait(5)
            raise TimeoutError(f"{self._name} did not load in {self._start_timeout:.0f} s")
        try:
            status, detail = from_child.recv()
        except EOFError:
            code = proc.wait(5)
            raise RuntimeError(f"{self._name} ended while loading (exit code {code})") from None
        if status != "ready":
            proc.wait(5)
            raise RuntimeError(detail)
        self._to, self._from, self._proc = to_child, from_child, proc

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def encode(self, texts: list[str]) -> Sequence[np.ndarray]:
        return list(self.call(texts))  # type: ignore[call-overload]

    def call(self, texts: list[str]) -> object:
        """The child's answer for `texts` (blocks: call it from a thread)."""
        with self._lock:
            if self._proc is None:
                self._restart()
            assert self._to is not None and self._from is not None
            try:
                self._to.send(texts)
                status, payload = self._from.recv()
            except (EOFError, OSError) as exc:
                self._lost()
                raise RuntimeError(f"{self._name} ended") from exc
        if status != "ok":
            raise RuntimeError(payload)
        return payload

    def _lost(self) -> None:
        log.warning(self._lost_message)
        self._died_at = self._clock()
        self._close()

    def _restart(self) -> None:
        if self._died_at is not None and self._clock() - self._died_at < RESTART_SECONDS:
            raise RuntimeError(f"{self._name} ended; restarting it shortly")
        self._died_at = self._clock()  # a failed start waits as long as a death does
        self._start()
        self._died_at = None
        log.info("%s started again", self._name)

    def _close(self) -> None:
        for conn in (self._to, self._from):
            if conn is not None:
                conn.close()  # the child reads the end of its pipe and leaves
        if self._proc is not None:
            try:
                self._proc.wait(2)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(2)
        self._to = self._from = self._proc = None

    def close(self) -> None:
        with self._lock:
            self._close()


def load_model_apart() -> Encoder:
    """The bundled model, in a process of its own (the service's loader)."""
    return EncoderProcess()


if __name__ == "__main__":
    import signal

    # Ctrl-C in the service's terminal reaches this process too: the service decides when it
    # ends (by closing the pipe), without a traceback from here.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(
        Connection(int(sys.argv[1]), writable=False),
        Connection(int(sys.argv[2]), readable=False),
        sys.argv[3],
    )
