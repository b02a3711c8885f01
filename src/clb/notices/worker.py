"""The worker process: huey's consumer (its scheduler and worker threads, signal handling and
restart) with one periodic task, the tick, that runs the jobs that are due (clb.notices.jobs).

huey was chosen because it is small, well kept and has storage for every setup CLB has: a SQLite
file for the demo (no extra server), PostgreSQL for production (the database CLB already runs,
through psycopg), Redis where a site has one. The schedule and the record of runs stay in CLB's
own database, so the admin shows them whatever the storage."""

from django.conf import settings
from django.db import close_old_connections
from huey import PostgresHuey, RedisHuey, SqliteHuey, crontab


def make_huey():
    url = settings.CLB_WORKER_URL
    if not url:
        return SqliteHuey("clb", filename=str(settings.DATA_DIR / "worker.sqlite3"), results=False)
    scheme = url.partition("://")[0].lower()
    if scheme in ("postgres", "postgresql"):
        return PostgresHuey("clb", dsn=url, results=False)
    if scheme in ("redis", "rediss"):
        return RedisHuey("clb", url=url, results=False)
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"CLB_WORKER_URL: {scheme!r} wordt niet ondersteund; gebruik postgresql://… of redis://…"
    )


huey = make_huey()


@huey.periodic_task(crontab(minute="*"))
def tick():
    """Run the jobs that are due (also enqueued once when the worker starts: catch-up)."""
    from . import jobs

    close_old_connections()
    try:
        jobs.run_due()
    finally:
        close_old_connections()
