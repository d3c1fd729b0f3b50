"""`POST /simulate` answered without FastAPI's per-request machinery, when it has nothing to decide (issue 12).

For a new simulation, FastAPI's route matching, dependency solving, body parsing and response building cost about
0.25 ms of the ~0.45 ms the framework takes around the service (measured with the service's answer given). This
layer, the innermost of the middleware (inside the language, the snapshot, HTTP validators, CORS and the request id,
which all still apply), answers a request itself only when the long way would do exactly what it does:

- `POST /simulate`, with `Content-Type: application/json` and an `Accept` that can only mean JSON (none, `*/*` or
  `application/json`);
- a query string without `%` or control bytes, so that no query parameter can carry a control character
  (errors.reject_control_characters, the one check FastAPI would make on it; other query parameters are ignored
  there as here);
- a body that validates as S.SimulationRequest (pydantic reads the JSON text itself: `model_validate_json`);
- an answer the service gives (the catalogue of this request's version, then `service.answer`).

Anything else, an invalid body or a refused simulation included, goes the long way with the body it read replayed,
and gets FastAPI's own answer (its 422 problem, the service's ApiError), so errors are written in one place.
tests/simulation/test_fast_route.py compares, request by request, the answers of an app with and without this layer.
"""

from __future__ import annotations

from pydantic import ValidationError
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import ApiError
from app.memory.watch import Catalogues, DatabaseUnavailable
from app.negotiation import JSON, VARY
from app.simulation import schemas as S
from app.simulation import service
from app.snapshot import read_body

_ACCEPTED = (None, b"*/*", b"application/json")
_CONTROL = frozenset(range(0x20)) | {0x7F, ord("%")}


class SimulateRoute:
    def __init__(self, app: ASGIApp, catalogues: Catalogues) -> None:
        self.app = app
        self.catalogues = catalogues
        self.served = 0  # answers sent from here (the tests count them)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != "/simulate" or not self._plain(
                scope):
            await self.app(scope, receive, send)
            return
        body, replay = await read_body(receive)
        try:
            request = S.SimulationRequest.model_validate_json(body)
            catalogue = await self.catalogues.for_request(scope)
            answer = service.answer(catalogue, request)
        except (ValidationError, ApiError, DatabaseUnavailable):
            await self.app(scope, replay, send)  # the long way answers, as it would have: the same error
            return
        self.served += 1
        await Response(answer, media_type=JSON.media_type, headers=VARY)(scope, replay, send)

    @staticmethod
    def _plain(scope: Scope) -> bool:
        if _CONTROL.intersection(scope.get("query_string", b"")):
            return False
        content_type = accept = None
        for name, value in scope["headers"]:  # the first line of a name counts, as Headers.get reads
            if name == b"content-type":
                if content_type is not None:
                    return False
                content_type = value
            elif name == b"accept":
                if accept is not None:
                    return False  # several lines: one list, left to the negotiation
                accept = value
        return content_type == b"application/json" and accept in _ACCEPTED
