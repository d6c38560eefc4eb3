"""gql's httpx transport, extended just enough to hand each response's status and headers back."""

from __future__ import annotations

import contextvars
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import httpx
from gql.transport.httpx import HTTPXAsyncTransport

from soda_tui.core.secrets import Secret
from soda_tui.github.classify import Reply


@dataclass
class Exchange:
    """The slot one request's reply is written into by the transport."""

    reply: Reply | None = None


# gql keeps only the latest headers on the shared transport, which concurrent requests would
# overwrite; a context variable gives each in-flight request (each task) its own slot.
current_exchange: contextvars.ContextVar[Exchange | None] = contextvars.ContextVar(
    "soda_github_exchange", default=None
)


class RecordingTransport(HTTPXAsyncTransport):
    """HTTPXAsyncTransport that records status, headers and body of each response it parses."""

    def _get_json_result(self, response: httpx.Response) -> Any:
        exchange = current_exchange.get()
        try:
            body = super()._get_json_result(response)
        except Exception:
            # Not JSON (a proxy's HTML error page, say): keep the status and text for classifying.
            if exchange is not None:
                exchange.reply = Reply(response.status_code, response.headers, None, response.text)
            raise
        if exchange is not None:
            exchange.reply = Reply(response.status_code, response.headers, body, "")
        return body


class BearerAuth(httpx.Auth):
    """Adds `Authorization: Bearer …` to each request, keeping the token wrapped until then."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.reveal()}"
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(***)"
