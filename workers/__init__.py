"""Durable jobs: a Huey queue, job records in SQLite, workers and their backends.

The app and scripts use only `workers.jobs` (create/get/list/delete/health...). The
consumer is pointed at `workers.main.huey`:

    huey_consumer workers.main.huey -w 2 -k process -m 1
"""
