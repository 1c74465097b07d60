"""The Huey instance: SqliteHuey in REEL_DATA_DIR/queue.db, or RedisHuey from REEL_QUEUE_URL.

Tasks are defined in `workers.tasks` (which imports this module) and registered when
`workers.main` imports both; that is the module the consumer is pointed at.
"""
from __future__ import annotations

from huey import Huey, RedisHuey, SqliteHuey
from huey.storage import RedisStorage

from reel.errors import ReelError
from workers import settings

QUEUE_NAME = "reel"


def new_huey() -> Huey:
    """A Huey for the queue the environment names (Huey's results store is unused: jobs hold state)."""
    url = settings.queue_url()
    if url:
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ReelError("REEL_QUEUE_URL must be a redis://, rediss:// or unix:// URL")
        return RedisHuey(QUEUE_NAME, url=url, results=False)
    folder = settings.data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(QUEUE_NAME, filename=str(folder / "queue.db"), results=False)


def kind(instance: Huey) -> str:
    """"redis" or "sqlite": which kind of queue an instance talks to."""
    return "redis" if isinstance(instance.storage, RedisStorage) else "sqlite"


huey = new_huey()
