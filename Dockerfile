# Production image: pinned dependencies, non-root user; migrations and seed at start, then uvicorn.
#   docker build -t post-internat-api .
#   docker run -p 8000:8000 -v post-internat-data:/app/data post-internat-api
#   docker run -p 8000:8000 -e DATABASE_URL=postgresql+psycopg://user:pass@db:5432/catalogue post-internat-api
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements/main.txt requirements/main.txt
RUN pip install --require-hashes -r requirements/main.txt

COPY alembic.ini ./
COPY migrations ./migrations
COPY seed ./seed
COPY app ./app

RUN useradd --system --uid 10001 --no-create-home --home-dir /app api \
    && mkdir -p /app/data && chown api /app/data
USER api

ENV DATABASE_URL=sqlite:////app/data/catalogue.db \
    HOST=0.0.0.0 \
    PORT=8000 \
    WORKERS=2 \
    LOG_LEVEL=info
EXPOSE 8000
VOLUME ["/app/data"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
    CMD python -c "import urllib.request, os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/ready', timeout=2)"

# The app writes its own JSON access log (with request ids), hence --no-access-log; app/log_config.json puts
# uvicorn's own lines, the parent process's too, in LOG_FORMAT; on SIGTERM uvicorn stops accepting, finishes
# requests in flight for up to 20 s, then exits.
CMD ["sh", "-c", "alembic upgrade head && python -m app.seed --if-empty && exec uvicorn app.main:app --host \"$HOST\" --port \"$PORT\" --workers \"$WORKERS\" --log-level \"$LOG_LEVEL\" --log-config app/log_config.json --no-access-log --proxy-headers --timeout-graceful-shutdown 20"]
