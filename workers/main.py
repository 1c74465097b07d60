"""The module the consumer is pointed at: the Huey instance with every task registered.

    huey_consumer workers.main.huey -w 2 -k process -m 1

(-w: worker processes; -m 1: an idle worker looks at a SQLite queue at least every
second instead of backing off to 10 s.) This follows Huey's flask example layout: the
instance in `workers.queue`, tasks in `workers.tasks`, this module imports both, so
nothing imports in a circle.
"""
from workers.queue import huey
import workers.tasks  # noqa: F401,E402  (registers the tasks on `huey`)

__all__ = ["huey"]
