"""An event's statistics: questions per minute per platform, totals, the share answered."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.questions.repository import status_counts
from models import Ask, ChatterCount, Event

# Charts stay readable: a long event gets wider buckets rather than thinner bars.
MAX_BUCKETS = 90


class Bucket(BaseModel):
    start: datetime
    counts: dict[str, int]


class StatsOut(BaseModel):
    event_id: int
    bucket_minutes: int
    buckets: list[Bucket]
    platforms: list[str]
    asks_by_platform: dict[str, int]
    chatter_by_platform: dict[str, int]
    questions_by_status: dict[str, int]
    questions: int
    asks: int
    answered_share: float | None


async def event_stats(session: AsyncSession, *, event: Event, now: datetime) -> StatsOut:
    rows = (
        await session.execute(select(Ask.asked_at, Ask.platform).where(Ask.event_id == event.id))
    ).all()
    by_status = await status_counts(session, event_id=event.id)
    chatter = {
        p.value: n
        for p, n in await session.execute(
            select(ChatterCount.platform, ChatterCount.count).where(
                ChatterCount.event_id == event.id
            )
        )
    }
    start = min([event.created_at, *(at for at, _ in rows)]).replace(second=0, microsecond=0)
    end = max([event.ended_at or now, *(at for at, _ in rows)])
    minutes = max(1, math.ceil((end - start).total_seconds() / 60))
    width = max(1, math.ceil(minutes / MAX_BUCKETS))
    counts: list[dict[str, int]] = [{} for _ in range(math.ceil(minutes / width) or 1)]
    asks: dict[str, int] = {}
    for at, platform in rows:
        slot = min(int((at - start).total_seconds() // (60 * width)), len(counts) - 1)
        counts[slot][platform.value] = counts[slot].get(platform.value, 0) + 1
        asks[platform.value] = asks.get(platform.value, 0) + 1
    # Merged-away questions are hidden: they do not count towards the share answered.
    considered = sum(by_status.values()) - by_status["hidden"]
    return StatsOut(
        event_id=event.id,
        bucket_minutes=width,
        buckets=[
            Bucket(start=start + timedelta(minutes=i * width), counts=c)
            for i, c in enumerate(counts)
        ],
        platforms=sorted(asks),
        asks_by_platform=asks,
        chatter_by_platform=chatter,
        questions_by_status=by_status,
        questions=sum(by_status.values()),
        asks=len(rows),
        answered_share=round(by_status["answered"] / considered, 3) if considered else None,
    )


class Bar(BaseModel):
    x: float
    y: float
    width: float
    height: float
    platform: str
    label: str


GUTTER = 36.0  # room on the left for the y scale's labels
MAX_BAR = 48.0  # a young event's few columns stay bars, not walls


def nice_ceiling(n: int) -> int:
    """The smallest of 1, 2, 5 × 10^k at least n (a y scale's top)."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= n:
                return m * step
        step *= 10


def y_ticks(stats: StatsOut, *, height: float = 180) -> list[tuple[float, int]]:
    """(y, value) of the y scale's lines: 0, half and the top."""
    top = nice_ceiling(max([sum(b.counts.values()) for b in stats.buckets] + [1]))
    values = sorted({0, top // 2, top}) if top > 1 else [0, 1]
    return [(round(height - height * v / top, 2), v) for v in values]


def chart_bars(stats: StatsOut, *, width: float = 720, height: float = 180) -> list[Bar]:
    """Stacked bars, one column per bucket across the whole width, for a server-drawn SVG."""
    top_value = nice_ceiling(max([sum(b.counts.values()) for b in stats.buckets] + [1]))
    column = (width - GUTTER) / max(1, len(stats.buckets))
    bar = min(MAX_BAR, column * 0.8)
    bars = []
    for i, bucket in enumerate(stats.buckets):
        top = height
        for platform in stats.platforms:
            n = bucket.counts.get(platform, 0)
            if not n:
                continue
            h = height * n / top_value
            top -= h
            bars.append(
                Bar(
                    x=round(GUTTER + i * column + (column - bar) / 2, 2),
                    y=round(top, 2),
                    width=round(bar, 2),
                    height=round(h, 2),
                    platform=platform,
                    label=f"{bucket.start:%H:%M} {platform}: {n} ask{'s' if n != 1 else ''}",
                )
            )
    return bars
