"""PostgreSQL's application recorder with a point read of one stored event, for the API's entry reads.

eventsourcing's `select_events` composes its statement (psycopg `SQL` objects) on every call and
ranges over versions; one leaf is one row by primary key. By profile (issue 16) the composition was
a fifth of an entry read's CPU. The statement here is composed once, prepared by the server on
first use (psycopg `prepare=True`), and run on a connection of the recorder's own pool: the same
connections, the same autocommit snapshot of committed rows as `select_events`.
"""

from __future__ import annotations

import asyncio
import time
from functools import cached_property
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from ledger.store.config import PostgresParts


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


APPLICATION_NAME = "integritas entry reads"


class AsyncPointReader:
    """The same point read on the event loop, through asyncpg: the API's entry reads (issue 16).

    A PostgreSQL read is a network round trip. On the thread pool (the recorder's connections are
    synchronous) the API's entry read ran at 16-18 % of a trivial GET. Awaited on the event loop it
    holds no thread; by `scripts/bench.py api` and a per-request CPU count (docs/benchmarks.md,
    session 8), one worker answered 2,267 entry reads a second through psycopg's asyncio pool, 3,481
    through plain psycopg asyncio connections, and 4,794 through asyncpg, whose protocol is compiled
    (205 us of the server's CPU a request against psycopg's 283). Hence asyncpg here; the writes stay
    with eventsourcing's psycopg recorder.

    Up to `size` connections, each made when first needed (a server that serves no entry read makes
    none) and dropped on any error, to be made again by a later read: a pool's bookkeeping (psycopg's
    and asyncpg's both) cost more than the query. They connect to the host, port, user and database
    the store's do (`Storage.postgres_parts`), never to asyncpg's defaults from the environment. After
    a failed connection the reader rests for `REST` seconds (`ready` says False: reads go to the
    thread pool) rather than try again on every request. The connections belong to the event loop
    that used them (a server's lifespan), which closes them.
    """

    REST = 5.0  # seconds without reads on the loop after a failed connection
    TIMEOUT = 10.0  # seconds for a connection, a free connection or a row

    def __init__(self, recorder: PointReadPostgresApplicationRecorder, where: PostgresParts, *, size: int = 8) -> None:
        self._statement = (
            SQL("SELECT topic, state FROM {schema}.{table} WHERE originator_id = $1 AND originator_version = $2")
            .format(schema=Identifier(recorder.datastore.schema), table=Identifier(recorder.events_table_name))
            .as_string(None)
        )
        self._where = where
        self._idle: asyncio.LifoQueue[Any] = asyncio.LifoQueue()  # the most recently used first: warm
        for _ in range(size):
            self._idle.put_nowait(None)  # a free slot, connected when taken
        self._resting_until = 0.0
        self._closed = False

    def ready(self) -> bool:
        """Not closed, and not resting after a failed connection."""
        return not self._closed and time.monotonic() >= self._resting_until

    async def close(self) -> None:
        """Close the idle connections; one in use is closed when its read ends."""
        self._closed = True
        while not self._idle.empty():
            connection = self._idle.get_nowait()
            if connection is not None:
                try:
                    await connection.close(timeout=2)
                except Exception:
                    connection.terminate()

    async def select_event(self, originator_id: str, version: int) -> StoredEvent | None:
        """The stored event `version` of `originator_id`, or None; a database error is raised."""
        connection = await asyncio.wait_for(self._idle.get(), self.TIMEOUT)
        try:
            if connection is None or connection.is_closed():
                connection = await self._connect()
            row = await connection.fetchrow(self._statement, originator_id, version, timeout=self.TIMEOUT)
        except BaseException:  # a failed or cancelled read leaves the connection in no known state
            if connection is not None:
                connection.terminate()
            connection = None
            raise
        finally:
            if self._closed and connection is not None:  # closed while this read was in flight
                connection.terminate()
                connection = None
            self._idle.put_nowait(connection)
        if row is None:
            return None
        topic, state = row
        return StoredEvent(originator_id=originator_id, originator_version=version, topic=topic, state=bytes(state))

    async def _connect(self) -> Any:
        import asyncpg  # loads only for PostgreSQL

        where = self._where
        try:
            return await asyncpg.connect(
                host=where.host,
                port=where.port,
                user=where.user or None,
                password=where.password or None,
                database=where.dbname,
                timeout=self.TIMEOUT,
                server_settings={"application_name": APPLICATION_NAME},  # named in pg_stat_activity
            )
        except BaseException:
            self._resting_until = time.monotonic() + self.REST
            raise
