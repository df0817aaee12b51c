"""Bisecting a failed batch: the message at fault is set aside after a retry, the rest is
stored in order; a database in trouble sets nothing aside; reasons never carry the text."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from intake.setaside import describe_failure, store_or_set_aside


class Store:
    def __init__(self, poison: set[int], *, flaky: set[int] = frozenset()) -> None:
        self.poison, self.flaky = poison, set(flaky)
        self.stored: list[int] = []
        self.calls = 0

    async def __call__(self, part) -> None:
        self.calls += 1
        for item in part:
            if item in self.flaky:
                self.flaky.discard(item)
                raise RuntimeError("passing")
            if item in self.poison:
                raise IntegrityError("INSERT", {}, Exception("refused"))
        self.stored.extend(part)


async def healthy() -> bool:
    return True


class TestBisect:
    async def test_the_poisons_are_set_aside_and_the_rest_stored_in_order(self):
        store = Store({13, 77})
        failed = await store_or_set_aside(list(range(100)), store=store, healthy=healthy)
        assert [item for item, _ in failed] == [13, 77]
        assert store.stored == [i for i in range(100) if i not in (13, 77)]
        assert store.calls < 40  # a bisection, not one transaction per message

    async def test_a_passing_failure_is_retried_and_nothing_set_aside(self):
        store = Store(set(), flaky={5})
        assert await store_or_set_aside([5], store=store, healthy=healthy) == []
        assert store.stored == [5]

    async def test_a_database_in_trouble_sets_nothing_aside(self):
        async def down(part) -> None:
            raise OperationalError("SELECT", {}, Exception("server closed the connection"))

        with pytest.raises(OperationalError):
            await store_or_set_aside([1, 2, 3], store=down, healthy=healthy)

        async def not_answering() -> bool:
            return False

        with pytest.raises(IntegrityError):
            await store_or_set_aside([1, 2], store=Store({1}), healthy=not_answering)

    async def test_fatal_errors_are_raised_as_they_come(self):
        class Gone(Exception):
            pass

        async def gone(part) -> None:
            raise Gone

        with pytest.raises(Gone):
            await store_or_set_aside([1, 2], store=gone, healthy=healthy, fatal=(Gone,))


class TestReasons:
    def test_database_errors_give_class_and_first_line_without_the_text(self):
        error = IntegrityError(
            "INSERT INTO asks …",
            {"text": "my secret question"},
            Exception("check failed for 'my secret question'\nDETAIL: Failing row contains x"),
        )
        reason = describe_failure(error, hide=["my secret question"])
        assert reason == "Exception: check failed for '[text]'"

    def test_other_errors_give_only_their_class(self):
        assert describe_failure(KeyError("my secret")) == "internal error: KeyError"
