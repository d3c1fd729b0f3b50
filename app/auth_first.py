"""Keys before bodies: a write request without a valid key gets its 401 (or 403) before its body is read.

FastAPI reads and parses a route's body before it runs the route's dependencies, the key check among them: a
request with no key would have its body read (up to MAX_BODY_BYTES) and parsed first. A router built with
`route_class=AuthFirstRoute` runs, for each route that takes a body, the dependencies that use a security scheme
(`Authorization: Bearer`, see app/auth.py) first, and only then the route as FastAPI does, body first.

The check itself is unchanged (the same dependency, the same 401/403 problems and WWW-Authenticate headers). A
request that passes it is checked once more by FastAPI's own run of the dependencies: one more indexed lookup of
the key on a write, which keeps this to FastAPI's public behaviour.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import solve_dependencies
from fastapi.routing import APIRoute
from fastapi.security.base import SecurityBase
from starlette.requests import Request
from starlette.responses import Response


def _uses_security(dependant: Dependant) -> bool:
    return isinstance(dependant.call, SecurityBase) or any(_uses_security(d) for d in dependant.dependencies)


def key_checks(route: APIRoute) -> list[Dependant]:
    """The route's dependencies that need a key (directly or through their own dependencies)."""
    return [d for d in route.dependant.dependencies if _uses_security(d)]


class AuthFirstRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        checks = key_checks(self)
        if self.body_field is None or not checks:
            return handler  # no body, or no key to check: FastAPI runs the dependencies before anything is read
        early = Dependant(dependencies=checks)

        async def check_key_then_handle(request: Request) -> Response:
            # Raises the dependency's own ApiError (401/403), answered by the app's handler; the body stays unread.
            await solve_dependencies(
                request=request, dependant=early, dependency_overrides_provider=request.app,
                async_exit_stack=request.scope["fastapi_inner_astack"], embed_body_fields=False,
            )
            return await handler(request)

        return check_key_then_handle
