"""PostgreSQL's application recorder with a point read of one stored event, for the API's entry reads.

eventsourcing's `select_events` composes its statement (psycopg `SQL` objects) on every call and
ranges over versions; one leaf is one row by primary key. By profile (issue 16) the composition was
a fifth of an entry read's CPU. The statement here is composed once, prepared by the server on
first use (psycopg `prepare=True`), and run on a connection of the recorder's own pool: the same
connections, the same autocommit snapshot of committed rows as `select_events`.
"""

from __future__ import annotations

import asyncio
from functools import cached_property
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier


class PointReadPostgresApplicationRecorder(PostgresApplicationRecorder):
    def select_event(self, originator_id: str, version: int) -> StoredEvent | None:
        """The stored event `version` of `originator_id`, or None."""
        with self.datastore.get_connection() as connection, connection.cursor() as cursor:
            cursor.execute(self._select_event_statement, (originator_id, version), prepare=True)
            row = cursor.fetchone()
        if row is None:
            return None
        return StoredEvent(
            originator_id=originator_id, originator_version=version, topic=row["topic"], state=bytes(row["state"])
        )

    @cached_property
    def _select_event_statement(self) -> bytes:
        return (
            SQL("SELECT topic, state FROM {schema}.{table} WHERE originator_id = %s AND originator_version = %s")
            .format(schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name))
            .as_bytes(None)
        )


class AsyncPointReader:
    """The same point read on the event loop, through asyncpg: the API's entry reads (issue 16).

    A PostgreSQL read is a network round trip. On the thread pool (the recorder's connections are
    synchronous) the API's entry read ran at 14-18 % of a trivial GET. Awaited on the event loop it
    holds no thread; by `scripts/bench.py api` and a per-request CPU count (docs/benchmarks.md,
    session 8), one worker answered 2,267 entry reads a second through psycopg's asyncio pool, 3,481
    through plain psycopg asyncio connections, and 4,794 through asyncpg, whose protocol is written
    in Cython (205 us of the server's CPU a request against psycopg's 283). Hence asyncpg here; the
    writes stay with eventsourcing's psycopg recorder.

    Up to `size` connections, each made when first needed (a server that serves no entry read makes
    none) and dropped on any error, to be made again by the next read: a pool's bookkeeping (psycopg's
    and asyncpg's both) cost more than the query. They belong to the event loop that used them (a
    server's lifespan), which closes them.
    """

    def __init__(self, recorder: PointReadPostgresApplicationRecorder, dsn: str, *, size: int = 8) -> None:
        self._statement = (
            SQL("SELECT topic, state FROM {schema}.{table} WHERE originator_id = $1 AND originator_version = $2")
            .format(schema=Identifier(recorder.datastore.schema), table=Identifier(recorder.events_table_name))
            .as_string(None)
        )
        self._dsn = dsn
        self._idle: asyncio.LifoQueue[Any] = asyncio.LifoQueue()  # the most recently used first: warm
        for _ in range(size):
            self._idle.put_nowait(None)  # a free slot, connected when taken

    async def close(self) -> None:
        while not self._idle.empty():
            connection = self._idle.get_nowait()
            if connection is not None:
                await connection.close()

    async def select_event(self, originator_id: str, version: int) -> StoredEvent | None:
        """The stored event `version` of `originator_id`, or None; a database error is raised."""
        connection = await self._idle.get()
        try:
            if connection is None or connection.is_closed():
                import asyncpg  # loads only for PostgreSQL

                connection = await asyncpg.connect(self._dsn, timeout=10)
            row = await connection.fetchrow(self._statement, originator_id, version)
        except BaseException:  # a failed or cancelled read leaves the connection in no known state
            if connection is not None:
                connection.terminate()
            connection = None
            raise
        finally:
            self._idle.put_nowait(connection)
        if row is None:
            return None
        topic, state = row
        return StoredEvent(originator_id=originator_id, originator_version=version, topic=topic, state=bytes(state))
