"""Read several data files at once on worker threads while the main thread hands batches to the destination.

pyarrow's CSV parser and ISA-L's gzip inflate release the GIL, so the files parse while DuckDB (or dlt)
writes the previous batches. The queue is bounded, so memory stays a few batches per worker whatever the
file sizes; the first error stops every worker and is raised in the caller.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
_DONE = object()


def parallel_batches(
    jobs: Iterable[T], read: Callable[[T], Iterator[Any]], *, workers: int = 2, queue_size: int = 4
) -> Iterator[Any]:
    """Yield every batch ``read(job)`` produces for all jobs, from up to ``workers`` jobs at once."""
    pending: queue.Queue[T] = queue.Queue()
    for job in jobs:
        pending.put(job)
    workers = max(1, min(workers, pending.qsize()))
    out: queue.Queue[Any] = queue.Queue(maxsize=max(queue_size, workers))
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            while not stop.is_set():
                try:
                    job = pending.get_nowait()
                except queue.Empty:
                    return
                for batch in read(job):
                    if not put(batch):
                        return
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(_Failure(exc))
        finally:
            put(_DONE)

    threads = [threading.Thread(target=work, name=f"finops-reader-{i}", daemon=True) for i in range(workers)]
    for thread in threads:
        thread.start()
    finished = 0
    try:
        while finished < len(threads):
            item = out.get()
            if item is _DONE:
                finished += 1
            elif isinstance(item, _Failure):
                raise item.exc
            else:
                yield item
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc
