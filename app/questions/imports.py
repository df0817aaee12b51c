"""Import jobs: a parsed file ingested in the background, in small transactions, with progress.

A large import must not stall the service: the file is parsed in a thread (before the job
starts, so a bad file is refused at once), then ingested a chunk at a time, each chunk its own
transaction, sized so that its work on the event loop stays within a few tens of milliseconds;
between chunks the import steps aside, so other writers (collectors, moderators) get the
database and /healthz keeps answering. A chunk that fails is split until the row at fault is
found; that row is set aside with its reason (intake/setaside.py) and the import goes on.

Jobs live in the process (like the live streams): a restart ends a running import where it
was; importing the same file again finishes it, adding nothing twice.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.events.service import get_event
from app.questions.schemas import ImportJobOut, ImportRejection
from collectors.manual.importer import ParsedImport
from intake.asks import IncomingAsk, IngestResult, Outcome
from intake.ingest import EventNotFound, Intake, ingest
from intake.setaside import database_answers, describe_failure, store_or_set_aside
from kit.db import read_only

log = logging.getLogger(__name__)

# Work on the event loop per chunk (seconds of the loop thread's CPU). Ingestion itself lets
# the loop serve others every 10 ms while it matches, so this bounds the transaction (other
# writers wait at most about that long), not the stalls: about 150 rows, where a transaction's
# fixed cost (~10 ms) weighs little (88 % of the throughput of one transaction for all).
CHUNK_BUDGET = 0.15
CHUNK_MIN, CHUNK_MAX, CHUNK_FIRST = 10, 500, 50
# Between chunks the import waits a tenth of the chunk's time (at least this): a writer
# waiting on SQLite's busy handler, which looks again every 100 ms at most, gets its turn.
PAUSE_MIN = 0.005
PAUSE_SHARE = 0.1
# Imports running at once, and how long a finished job's report is kept.
MAX_RUNNING = 2
KEEP_FINISHED = timedelta(hours=1)
KEEP_JOBS = 200

Row = tuple[int, IncomingAsk]


async def ensure_event(sessionmaker: async_sessionmaker[AsyncSession], *, event_id: int) -> None:
    """NotFound (404) unless the event exists; in a session closed at once, so the request
    holds no transaction (nor SQLite's write lock) while its import runs."""
    async with sessionmaker() as session:
        await read_only(session)
        await get_event(session, event_id=event_id)


def job_out(job: ImportJob) -> ImportJobOut:
    return ImportJobOut(
        id=job.id,
        event_id=job.event_id,
        status=job.status,  # type: ignore[arg-type]
        rows=job.rows,
        processed=job.processed,
        imported=job.imported,
        merged=job.merged,
        duplicates=job.duplicates,
        rejected=[
            ImportRejection(line=line, reason=reason) for line, reason in sorted(job.rejected)
        ],
        error=job.error,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


class TooManyImports(RuntimeError):
    """MAX_RUNNING imports are running already."""


@dataclass
class ImportJob:
    """One import: its progress while it runs, its report when done."""

    id: str
    event_id: int
    actor: str
    rows: int  # rows read from the file, rejected ones included
    started_at: datetime
    status: str = "running"  # running → done | failed
    processed: int = 0  # rows handled so far, rejected ones included
    imported: int = 0
    merged: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    error: str | None = None
    finished_at: datetime | None = None
    chunks: int = 0
    task: asyncio.Task[None] | None = field(default=None, repr=False)
    _done: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def count(self, line: int, result: IngestResult) -> None:
        if result.outcome is Outcome.created:
            self.imported += 1
        elif result.outcome is Outcome.merged:
            self.merged += 1
        elif result.outcome is Outcome.duplicate:
            self.duplicates += 1
        else:
            self.rejected.append((line, result.reason or result.outcome.value))

    async def wait(self) -> None:
        await self._done.wait()


class ImportJobs:
    """The process's import jobs, by id (made at start-up, closed at shut-down)."""

    def __init__(self) -> None:
        self._jobs: dict[str, ImportJob] = {}

    def get(self, job_id: str) -> ImportJob | None:
        return self._jobs.get(job_id)

    def start(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        intake: Intake,
        event_id: int,
        parsed: ParsedImport,
        actor: str,
    ) -> ImportJob:
        """Start ingesting `parsed` into the event in the background; TooManyImports if full."""
        now = intake.clock()
        self._forget_old(now)
        if sum(j.status == "running" for j in self._jobs.values()) >= MAX_RUNNING:
            raise TooManyImports
        job = ImportJob(
            id=secrets.token_urlsafe(12),
            event_id=event_id,
            actor=actor,
            rows=len(parsed.asks) + len(parsed.rejected),
            started_at=now,
        )
        job.rejected = [(r.line, r.reason) for r in parsed.rejected]
        job.processed = len(parsed.rejected)
        self._jobs[job.id] = job
        job.task = asyncio.create_task(
            _run(job, sessionmaker=sessionmaker, intake=intake, rows=parsed.asks),
            name=f"import-{job.id}",
        )
        return job

    def _forget_old(self, now: datetime) -> None:
        finished = [
            j
            for j in self._jobs.values()
            if j.finished_at is not None
            and (now - j.finished_at > KEEP_FINISHED or len(self._jobs) > KEEP_JOBS)
        ]
        for job in finished:
            self._jobs.pop(job.id, None)

    async def close(self) -> None:
        """Stop the running imports (what they committed stays; re-importing finishes them)."""
        tasks = [j.task for j in self._jobs.values() if j.task is not None and not j.task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _run(
    job: ImportJob,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    intake: Intake,
    rows: Sequence[Row],
) -> None:
    try:
        await _ingest_in_chunks(job, sessionmaker=sessionmaker, intake=intake, rows=rows)
        job.status = "done"
    except asyncio.CancelledError:
        job.status, job.error = "failed", "the service stopped during the import"
        raise
    except EventNotFound:
        job.status, job.error = "failed", "the event was deleted during the import"
    except Exception as exc:
        log.exception("import %s into event %d failed", job.id, job.event_id)
        job.status, job.error = "failed", describe_failure(exc)
    finally:
        job.rejected.sort()
        job.finished_at = intake.clock()
        job._done.set()
        log.info(
            "import %s into event %d %s: %d rows, %d imported, %d merged, %d duplicates, "
            "%d rejected, %d chunks",
            job.id,
            job.event_id,
            job.status,
            job.rows,
            job.imported,
            job.merged,
            job.duplicates,
            len(job.rejected),
            job.chunks,
        )


async def _ingest_in_chunks(
    job: ImportJob,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    intake: Intake,
    rows: Sequence[Row],
) -> None:
    async def store(part: Sequence[Row]) -> None:
        async with sessionmaker() as session, session.begin():
            results = await ingest(
                session,
                intake=intake,
                event_id=job.event_id,
                asks=[ask for _, ask in part],
                actor=job.actor,
            )
        # Counted once committed: a part that fails is split and stored again.
        for (line, _), result in zip(part, results, strict=True):
            job.count(line, result)

    size, start = CHUNK_FIRST, 0
    while start < len(rows):
        chunk = rows[start : start + size]
        began, cpu = time.perf_counter(), time.thread_time()
        failed = await store_or_set_aside(
            chunk,
            store=store,
            healthy=lambda: database_answers(sessionmaker),
            fatal=(EventNotFound,),
        )
        for (line, ask), error in failed:
            reason = describe_failure(error, hide=[ask.text, ask.author_name])
            log.warning(
                "import %s: line %d set aside, it could not be stored: %s", job.id, line, reason
            )
            job.rejected.append((line, f"could not be stored: {reason}"))
        spent_cpu = time.thread_time() - cpu
        spent = time.perf_counter() - began
        job.processed += len(chunk)
        job.chunks += 1
        start += len(chunk)
        # The next chunk takes as many rows as fit in the budget at this chunk's pace.
        per_row = max(spent_cpu, 1e-4) / len(chunk)
        size = max(CHUNK_MIN, min(CHUNK_MAX, int(CHUNK_BUDGET / per_row)))
        await asyncio.sleep(max(PAUSE_MIN, spent * PAUSE_SHARE))
