"""How `integritas serve` runs uvicorn: its HTTP protocol with a bound on how long a client may take
to send a request.

uvicorn (0.54) arms its keep-alive timer only after a response; a connection that sends nothing, or
half a request line, headers without their end, or a body slower than it promised, is held open
for ever (slowloris). `BoundedHttpToolsProtocol` closes a connection whose request has not fully
arrived `request_timeout` seconds after the connection was made or the request began, the bound
that nginx calls client_header_timeout and client_body_timeout. Time the server itself spends not
reading (flow control while the application is busy) is not counted against the client.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

REQUEST_TIMEOUT_VARIABLE = "INTEGRITAS_REQUEST_TIMEOUT"  # api.settings.Settings.request_timeout
DEFAULT_REQUEST_TIMEOUT = 30.0


def request_timeout() -> float:
    """Seconds a client has to send one whole request (`serve --request-timeout`)."""
    try:
        value = float(os.environ.get(REQUEST_TIMEOUT_VARIABLE, DEFAULT_REQUEST_TIMEOUT))
    except ValueError:
        return DEFAULT_REQUEST_TIMEOUT
    return value if value > 0 else DEFAULT_REQUEST_TIMEOUT


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing a connection whose request arrives too slowly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._request_timeout = request_timeout()
        self._request_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_request_deadline()  # the first request must begin and end in time too

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._request_deadline is None:
            self._arm_request_deadline()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._disarm_request_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_request_deadline()
        super().connection_lost(exc)

    def _arm_request_deadline(self) -> None:
        self._disarm_request_deadline()
        self._request_deadline = self.loop.call_later(self._request_timeout, self._request_timed_out)

    def _disarm_request_deadline(self) -> None:
        if self._request_deadline is not None:
            self._request_deadline.cancel()
            self._request_deadline = None

    def _request_timed_out(self) -> None:
        self._request_deadline = None
        if self.transport.is_closing():
            return
        if self.flow.read_paused:
            self._arm_request_deadline()  # we stopped reading, not the client: give it its time again
            return
        if self.cycle is not None and not self.cycle.response_complete and self.cycle.response_started:
            self.cycle.keep_alive = False  # answering already (a 413, say): close once it is sent
            return
        self.transport.close()
