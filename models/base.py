"""The declarative base: stable constraint names and timezone-aware timestamps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import DateTime, MetaData, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


_MISSING = object()
_REMEMBERED = 512
# Per dialect: a bound instant's value as the driver takes it.
_converted: dict[str, dict[datetime, Any]] = {}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC, also on SQLite (which stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """The conversion below (and the driver's, for SQLite a formatted string), remembered
        for the last few hundred values: a batch binds the same instants many times over (its
        `now` in every row, an ask's time as its question's first and last)."""
        convert = super().bind_processor(dialect)
        if convert is None:
            return None
        done = _converted.setdefault(dialect.name, {})

        def process(value: Any) -> Any:
            if value is None:
                return None
            found = done.get(value, _MISSING)
            if found is _MISSING:
                if len(done) >= _REMEMBERED:
                    done.clear()
                found = done[value] = convert(value)
            return found

        return process

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a timezone-aware one is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def table_of(model: type[Base]) -> Table:
    """A model's table, for Core statements: bulk writes skip the ORM's per-row bookkeeping,
    and the columns' keys are the attributes' names."""
    return cast(Table, model.__table__)
