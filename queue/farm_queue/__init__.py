"""farm_queue: durable jobs with leases for the phone farm.

The controller enqueues jobs; agents claim them (one lease per phone at a time), renew the
lease while they work, and report success, failure or an unknown outcome. Expired leases
are reaped: reversible jobs go back to the queue, irreversible ones (publishing, sending)
wait in `unconfirmed` until someone has read the screen.

    from farm_queue import MemoryJobStore, SqlJobStore, create_tables
"""

from farm_queue.lease import backoff
from farm_queue.memory import MemoryJobStore
from farm_queue.sql import SqlJobStore
from farm_queue.store import (
    Clock,
    InvalidTransitionError,
    JobNotFoundError,
    JobStore,
    LeaseLostError,
    QueueError,
    utc_now,
)
from farm_queue.tables import create_tables, metadata

__all__ = [
    "Clock",
    "InvalidTransitionError",
    "JobNotFoundError",
    "JobStore",
    "LeaseLostError",
    "MemoryJobStore",
    "QueueError",
    "SqlJobStore",
    "backoff",
    "create_tables",
    "metadata",
    "utc_now",
]
