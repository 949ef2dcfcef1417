"""A PostgreSQL server for the multi-node benchmark, with durable settings.

Starts a cluster of its own in a temporary directory (tests/pgcluster.py does the work), with
fsync and synchronous commit on, as a production server would run; creates one database;
writes its DSN to the given file; and serves until SIGTERM or SIGINT, then stops the cluster.

    python3 bench/pgserver.py DSN_FILE
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from pgcluster import PostgresCluster  # noqa: E402

DURABLE = {
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    "shared_buffers": "256MB",
    "max_wal_size": "1GB",
    "min_wal_size": "256MB",
}


def main() -> int:
    dsn_file = Path(sys.argv[1])
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    cluster = PostgresCluster(settings=DURABLE).start()
    try:
        dsn_file.write_text(cluster.create_database("hydria_bench") + "\n")
        stop.wait()
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
