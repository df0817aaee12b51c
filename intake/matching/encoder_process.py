"""The sentence encoder in a process of its own, for the service.

The bundled model's tokenizer is pure Python: run in a thread of the service it holds the
interpreter lock for milliseconds per text, and every request waits meanwhile (a queue read's
p99 grew several-fold while questions arrived). In a child process it costs the service only
sending the texts and receiving 512 floats each. The child ends with the service (its end of
the pipe closes); if it dies first, the next call says so (suggestions go on by words) and a
later one starts it again.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from intake.matching.semantic import Encoder, UseEncoder

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger("liveq.suggest")

# A child that died is started again at most this often.
RESTART_SECONDS = 30.0


def serve(conn: Connection, make: Callable[[], Encoder]) -> None:
    """The child: load the model, then encode each list of texts sent until the pipe closes."""
    try:
        encoder = make()
        encoder.encode(["warm up"])  # the first call builds the model's tables
    except Exception as exc:  # noqa: BLE001 - said to the parent, which decides
        conn.send(("failed", f"{type(exc).__name__}: {exc}"[:300]))
        return
    conn.send(("ready", None))
    while True:
        try:
            texts = conn.recv()
        except (EOFError, OSError):
            return  # the service has gone
        try:
            import numpy as np

            conn.send(("ok", np.stack(list(encoder.encode(texts)))))
        except Exception as exc:  # noqa: BLE001 - one bad batch is answered, not fatal
            conn.send(("error", f"{type(exc).__name__}: {exc}"[:300]))


def _use() -> Encoder:
    return UseEncoder(threads=1)


class EncoderProcess:
    """An Encoder whose model runs in a child process (started by the constructor, which
    waits for the model to load and raises if it cannot)."""

    def __init__(
        self,
        make: Callable[[], Encoder] = _use,
        *,
        languages: frozenset[str] = UseEncoder.languages,
        start_timeout: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.languages = languages
        self._make = make
        self._start_timeout = start_timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._conn: Connection | None = None
        self._proc: Any = None
        self._died_at: float | None = None
        self._start()

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")  # no inherited threads or sockets
        parent, child = context.Pipe()
        proc = context.Process(
            target=serve, args=(child, self._make), name="liveq-encoder", daemon=True
        )
        proc.start()
        child.close()
        if not parent.poll(self._start_timeout):
            proc.kill()
            raise TimeoutError(f"the encoder process did not load in {self._start_timeout:.0f} s")
        try:
            status, detail = parent.recv()
        except EOFError:
            proc.join(5)
            raise RuntimeError(
                f"the encoder process ended while loading (exit code {proc.exitcode})"
            ) from None
        if status != "ready":
            proc.join(5)
            raise RuntimeError(detail)
        self._conn, self._proc = parent, proc

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def encode(self, texts: list[str]) -> Sequence[np.ndarray]:
        with self._lock:
            if self._conn is None:
                self._restart()
            conn = self._conn
            assert conn is not None
            try:
                conn.send(texts)
                status, payload = conn.recv()
            except (EOFError, OSError) as exc:
                self._lost()
                raise RuntimeError("the encoder process ended") from exc
        if status != "ok":
            raise RuntimeError(payload)
        return list(payload)

    def _lost(self) -> None:
        log.warning("the sentence encoder's process ended: suggesting by words until it restarts")
        self._died_at = self._clock()
        self._close()

    def _restart(self) -> None:
        if self._died_at is not None and self._clock() - self._died_at < RESTART_SECONDS:
            raise RuntimeError("the encoder process ended; restarting it shortly")
        self._died_at = self._clock()  # a failed start waits as long as a death does
        self._start()
        self._died_at = None
        log.info("the sentence encoder's process started again")

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._proc is not None:
            self._proc.join(1)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join(1)
        self._conn = self._proc = None

    def close(self) -> None:
        with self._lock:
            self._close()


def load_model_apart() -> Encoder:
    """The bundled model, in a process of its own (the service's loader)."""
    return EncoderProcess()
