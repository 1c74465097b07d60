"""The module the consumer is pointed at: the Huey instance with every task registered.

    huey_consumer workers.main.huey -w 2 -k process

(the Huey flask example's layout: the instance in `workers.queue`, tasks in
`workers.tasks`, this module imports both so nothing imports in a circle).
"""
from workers.queue import huey
import workers.tasks  # noqa: F401,E402  (registers the tasks on `huey`)

__all__ = ["huey"]
