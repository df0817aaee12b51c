"""kit.eager.start: a coroutine runs in the caller's step; only a suspended rest gets a task."""

from __future__ import annotations

import asyncio

import pytest

from kit import eager


class TestStart:
    async def test_a_coroutine_that_never_waits_finishes_in_the_callers_step(self):
        done: list[str] = []

        async def write() -> None:
            done.append("written")

        tasks_before = len(asyncio.all_tasks())
        assert eager.start(write()) is None
        # Written before start() returned, and no task was made for it.
        assert done == ["written"] and len(asyncio.all_tasks()) == tasks_before

    async def test_its_error_is_raised_to_the_caller(self):
        async def write() -> None:
            raise ConnectionResetError("gone")

        with pytest.raises(ConnectionResetError):
            eager.start(write())

    async def test_the_rest_of_a_coroutine_that_waits_runs_in_a_task(self):
        drained = asyncio.Event()
        steps: list[str] = []

        async def write() -> int:
            steps.append("before")
            await drained.wait()
            steps.append("after")
            await asyncio.sleep(0)  # a bare yield as well as a future
            return 7

        task = eager.start(write())
        assert task is not None and steps == ["before"]
        drained.set()
        assert await task == 7 and steps == ["before", "after"]

    async def test_cancelling_the_task_cancels_the_coroutine_where_it_waits(self):
        cleaned = asyncio.Event()

        async def write() -> None:
            try:
                await asyncio.Event().wait()
            finally:
                cleaned.set()

        task = eager.start(write())
        assert task is not None
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert cleaned.is_set()

    async def test_an_error_after_waiting_is_the_tasks(self):
        go = asyncio.Event()

        async def write() -> None:
            await go.wait()
            raise BrokenPipeError("gone")

        task = eager.start(write())
        assert task is not None
        go.set()
        with pytest.raises(BrokenPipeError):
            await task
