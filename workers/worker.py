"""`python -m workers.worker [--workers N] [--parent PID]`: the consumer the app starts.

The same consumer as `huey_consumer workers.main.huey -w N -k process -m 1`, plus one duty:
when the parent process (the app) is gone, stop like on SIGTERM — a job in flight is
handed back to the queue and runs at the next start.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
import time

from workers.main import huey


def stop_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGTERM)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m workers.worker", description=__doc__.splitlines()[0])
    parser.add_argument("--workers", "-w", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--parent", type=int, help="stop when this process id is no longer the parent")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s")
    # An idle worker checks the SQLite queue at least every second (Huey's default backs off to 10 s).
    consumer = huey.create_consumer(workers=max(1, args.workers), worker_type="process", max_delay=1.0)
    if args.parent:
        threading.Thread(target=stop_when_orphaned, args=(args.parent,), daemon=True).start()
    consumer.run()


if __name__ == "__main__":
    main()
