"""The sentence encoder in a child process: answers as the model would, says when it died, and
comes back."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from intake.matching.encoder_process import RESTART_SECONDS, EncoderProcess


class Lengths:
    """A stand-in model (module level, so the child can import it): a text's vector says how
    long it is."""

    languages = frozenset({"en"})

    def encode(self, texts):
        if any("\x00boom" in t for t in texts):
            raise ValueError("cannot read that")
        return [np.array([len(t), 1.0], dtype="float32") for t in texts]


def refuses():
    raise OSError("weights missing")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def encoder(clock):
    e = EncoderProcess(
        f"{__name__}:Lengths", languages=frozenset({"en"}), start_timeout=60, clock=clock
    )
    yield e
    e.close()


def test_encodes_in_another_process(encoder):
    assert encoder.pid is not None and encoder.pid != os.getpid()
    vectors = encoder.encode(["one", "three"])
    assert [v.tolist() for v in vectors] == [[3.0, 1.0], [5.0, 1.0]]


def test_a_batch_the_model_refuses_is_an_error_and_the_next_one_works(encoder):
    with pytest.raises(RuntimeError, match="ValueError: cannot read that"):
        encoder.encode(["\x00boom"])
    assert encoder.encode(["ok"])[0].tolist() == [2.0, 1.0]


def test_a_killed_child_is_reported_then_restarted(encoder, clock, caplog):
    first = encoder.pid
    os.kill(first, signal.SIGKILL)
    with pytest.raises(RuntimeError, match="ended"):
        encoder.encode(["a"])
    assert "suggesting by words" in caplog.text
    with pytest.raises(RuntimeError, match="restarting it shortly"):
        encoder.encode(["a"])  # not at once: a crashing model must not spin
    clock.now += RESTART_SECONDS
    assert encoder.encode(["abc"])[0].tolist() == [3.0, 1.0]
    assert encoder.pid not in (None, first)


def test_a_model_that_cannot_load_says_why():
    with pytest.raises(RuntimeError, match="OSError: weights missing"):
        EncoderProcess(f"{__name__}:refuses", start_timeout=60)
