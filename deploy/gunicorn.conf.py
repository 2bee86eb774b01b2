"""Gunicorn settings for running the survey app in production.

    flask --app survey_app init-db        # create or upgrade the schema first, once
    gunicorn -c deploy/gunicorn.conf.py 'survey_app:create_app()'

Every value can be changed through the environment (see docs/production.md):

    WEB_CONCURRENCY    worker processes (default: 2 x CPU cores + 1, at most 8)
    GUNICORN_THREADS   threads per worker (default 1: plain sync workers)
    GUNICORN_BIND      address(es) to listen on, comma-separated (default 127.0.0.1:8000)
    GUNICORN_TIMEOUT   seconds a request may take before its worker is restarted (default 60)
    APP_SERVERS        how many servers like this one share the database (default 1),
                       only for the connection check below

The app's own settings (DATABASE_URL, SECRET_KEY, REDIS_URL, DB_POOL_SIZE, …) come
from the environment too, as always. The master process loads the app once
(``preload_app = True``) and forks the workers from it, so a new worker serves at
once instead of spending about 2 s of CPU on imports; creating the app opens no
connection, and each worker drops its inherited pool before its first request
(``post_fork``), so every worker opens its own database connections. Because the code
is loaded once, HUP does not load a new release: restart the server (see
docs/production.md). Nothing here creates tables: the schema is made by ``init-db``
before the server starts. The access log shows respondents' tokens as ``[token]``
(``RedactingLogger`` below).
"""

from __future__ import annotations

import gc
import os
from typing import Any

from gunicorn.glogging import Logger

try:
    # The master imports the app anyway (preload_app below), so this costs nothing extra.
    from survey_app import log_redaction
except ImportError:  # these settings serve another app (bench/peer runs a Django app with them)
    log_redaction = None


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def default_workers(cores: int | None = None) -> int:
    """The usual 2 x cores + 1 sync workers, capped so a big machine does not open too many connections."""
    cores = cores or os.cpu_count() or 1
    return min(2 * cores + 1, 8)


# --- Server -------------------------------------------------------------------------------
bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")]
workers = _env_int("WEB_CONCURRENCY", default_workers())
threads = _env_int("GUNICORN_THREADS", 1)
# The master loads the app; workers are forked from it (see post_fork for their connections).
preload_app = True
# No control socket: nothing but the signals (HUP, TERM, TTIN, …) manages this server.
control_socket_disable = True

# --- Timeouts and recycling ------------------------------------------------------------------
# Long enough for a PDF report; a worker stuck longer than this is killed and replaced.
timeout = _env_int("GUNICORN_TIMEOUT", 60)
# On TERM or HUP, requests under way get this long to finish before workers are killed.
graceful_timeout = 30
# Keep-alive with the reverse proxy in front.
keepalive = 5
# Each worker is replaced after 1,000 to 1,500 requests, which bounds any slow growth in
# memory. Under an even load the workers reach the limit together; the wide jitter spreads
# their restarts.
max_requests = 1000
max_requests_jitter = 500
# Worker heartbeats in memory rather than on a disk that may be slow (containers).
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# --- Logging: to stdout/stderr, for the service manager or container runtime to collect --
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


class RedactingLogger(Logger):
    """Gunicorn's logger, with respondents' tokens replaced by ``[token]`` in the access log.

    Survey links, invitations and resume links carry their secret in the URL: a log line
    must never tie a person's link to the time of a request (survey_app/log_redaction.py).
    Every text atom is redacted, so the request line, path, query and referer are, and so
    is any header or environ value a changed ``access_log_format`` may add. The error log
    gets the same filter (gunicorn logs ``Error handling request <uri>`` there).
    """

    def setup(self, cfg: Any) -> None:
        """Gunicorn's setup (also run on reload), then the filter on the error log."""
        super().setup(cfg)
        self.error_log.addFilter(log_redaction.redacting_filter)

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        """Gunicorn's atoms for the access-log line, redacted."""
        atoms = super().atoms(resp, req, environ, request_time)
        redact = log_redaction.redact
        return {name: redact(value) if isinstance(value, str) else value for name, value in atoms.items()}


if log_redaction is not None:
    logger_class = RedactingLogger


# --- The database connection check -----------------------------------------------------------
def connections_needed(servers: int, workers: int, pool_size: int, max_overflow: int) -> int:
    """The most connections the app servers can open at once: each worker's pool is full."""
    return servers * workers * (pool_size + max_overflow)


def pool_warning(
    needed: int, max_connections: int, reserved: int, *, servers: int, workers: int, pool: int, overflow: int
) -> str | None:
    """A warning when the pools together could need more connections than the server allows."""
    available = max_connections - reserved
    if needed <= available:
        return None
    return (
        f"database connections: {servers} server(s) x {workers} workers x (DB_POOL_SIZE {pool}"
        f" + DB_MAX_OVERFLOW {overflow}) = {needed}, but the database allows {available}"
        f" (max_connections {max_connections} - {reserved} reserved for superusers). At busy times"
        " requests will fail with 'too many clients': lower WEB_CONCURRENCY, DB_POOL_SIZE or"
        " DB_MAX_OVERFLOW, or raise max_connections (see docs/production.md)."
    )


def _server_limits(url: str) -> tuple[int, int]:
    """max_connections and superuser_reserved_connections of the database at ``url``."""
    from sqlalchemy import NullPool, create_engine, make_url, text

    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed, poolclass=NullPool, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT current_setting('max_connections')::int,"
                    " current_setting('superuser_reserved_connections')::int"
                )
            ).one()
    finally:
        engine.dispose()
    return int(row[0]), int(row[1])


def check_pool(
    log: Any, environ: dict[str, str] | None = None, worker_count: int | None = None
) -> str | None:
    """Log how many database connections the servers may open; warn when that is too many.

    Runs once in the master process before any worker starts. It never stops the server:
    a database that cannot be asked is logged and the start goes on (``/healthz`` tells the
    rest). Returns the warning, if any.
    """
    environ = dict(os.environ) if environ is None else environ
    try:
        import config as settings

        values = settings.from_env(environ)
        url = values["DATABASE_URL"]
        if not url.startswith(("postgresql", "postgres")):
            log.info("database connection check skipped: DATABASE_URL is not PostgreSQL")
            return None
        servers = max(1, int(environ.get("APP_SERVERS", "").strip() or 1))
        count = workers if worker_count is None else worker_count
        pool, overflow = values["DB_POOL_SIZE"], values["DB_MAX_OVERFLOW"]
        needed = connections_needed(servers, count, pool, overflow)
        max_connections, reserved = _server_limits(url)
    except Exception as exc:  # noqa: BLE001 - a check, never a reason not to start
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]  # the driver's words, one line
        log.warning("database connection check failed (%s: %s); starting anyway", type(exc).__name__, reason)
        return None
    warning = pool_warning(
        needed, max_connections, reserved, servers=servers, workers=count, pool=pool, overflow=overflow
    )
    if warning:
        log.warning(warning)
    else:
        log.info(
            "database connections: at most %d of %d (max_connections %d - %d reserved)",
            needed,
            max_connections - reserved,
            max_connections,
            reserved,
        )
    return warning


def pre_fork(server: Any, worker: Any) -> None:
    """Gunicorn hook, in the master before each worker is forked: freeze what the app loaded.

    The workers share the master's memory until they write to it, and Python's garbage
    collector writes to every object it examines, so each new worker's collections copied
    the loaded app page by page. Frozen objects are never examined (Python's ``gc.freeze``
    docs). Workers are replaced every 1,000 to 1,500 requests: in bench/throughput.py the
    bare app's rate fell by about half in the 5-second round where its workers were
    replaced (e.g. 502, 213, 449 respondents/s); with this, its rounds stay within 10 %.
    """
    gc.freeze()


def post_fork(server: Any, worker: Any) -> None:
    """Gunicorn hook, in each new worker: forget any database connection of the master's pool.

    Creating the app opens none, so this is a safeguard: connections must never be shared
    between processes (SQLAlchemy's advice for forked pools: ``dispose(close=False)``).
    """
    database = getattr(server.app.wsgi(), "extensions", {}).get("survey_db")
    if database is not None:
        database.engine.dispose(close=False)


def when_ready(server: Any) -> None:
    """Gunicorn hook, in the master before the workers are started: the connection check."""
    check_pool(server.log, worker_count=server.cfg.workers)
