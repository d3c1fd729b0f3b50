"""API documentation pages (Swagger UI at /docs, ReDoc at /redoc) served with the app's own assets: no CDN."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

VENDOR = "/static/vendor"


def install(app: FastAPI) -> None:
    router = APIRouter(include_in_schema=False)
    title = app.title

    @router.get("/docs")
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{title} – Swagger UI",
            swagger_js_url=f"{VENDOR}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{VENDOR}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=f"{VENDOR}/swagger-ui/favicon-32x32.png",
            # validatorUrl: Swagger UI would otherwise load a badge from validator.swagger.io.
            swagger_ui_parameters={"validatorUrl": None, "tryItOutEnabled": True},
        )

    @router.get("/redoc")
    def redoc() -> HTMLResponse:
        return HTMLResponse(
            f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – ReDoc</title>
<link rel="icon" href="{VENDOR}/swagger-ui/favicon-32x32.png">
<style>body {{ margin: 0; padding: 0; }}</style>
</head>
<body>
<redoc spec-url="{app.openapi_url or '/openapi.json'}"></redoc>
<script src="{VENDOR}/redoc/redoc.standalone.js"></script>
</body>
</html>"""
        )

    app.include_router(router)
