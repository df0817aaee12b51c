"""Running a coroutine at once, in the caller's step, and only the rest of it (if it
suspends) in a task of its own: Python 3.12's eager tasks, for one coroutine at a time.

A write to a socket almost never waits; running it in the caller saves a task, a wake-up and
a turn of the loop per write, which is most of a write's cost when one change goes to a
thousand streams.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Generator
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def start(coro: Coroutine[Any, Any, T]) -> asyncio.Task[T] | None:
    """Run `coro` up to its first suspension: None when it finished (its exception, if any,
    is raised here), else the task that runs the rest."""
    try:
        waiting_on = coro.send(None)
    except StopIteration:
        return None
    return asyncio.get_running_loop().create_task(_finish(_Rest(coro, waiting_on)))


async def _finish(rest: _Rest[T]) -> T:
    return await rest


class _Rest(Generic[T]):
    """A coroutine that suspended once, as an awaitable: what it waits on is handed to the task
    awaiting it, as a coroutine's own `await` would; what the task sends or throws goes on."""

    def __init__(self, coro: Coroutine[Any, Any, T], waiting_on: Any) -> None:
        self._coro = coro
        self._waiting_on = waiting_on

    def __await__(self) -> Generator[Any, Any, T]:
        coro, waiting_on = self._coro, self._waiting_on
        while True:
            try:
                sent = yield waiting_on
            except BaseException as exc:  # the task's cancellation, thrown into the coroutine
                try:
                    waiting_on = coro.throw(exc)
                except StopIteration as done:
                    return done.value  # type: ignore[no-any-return]
                continue
            try:
                waiting_on = coro.send(sent)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
