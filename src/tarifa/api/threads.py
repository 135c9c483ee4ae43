"""Where a request's blocking work runs: threads of the worker process.

Ordinary requests (reads, single changes: a few milliseconds) share `TARIFA_API_THREADS`
threads (default 1). On CPython more threads in one process fight the event loop for the
interpreter lock and the loop answers late: with 2 workers on 2 cores, 8 threads per worker
gave reads a p99 near a second, 1 thread 15-20 ms and more requests per second
(docs/BENCHMARKS.md, "REST API"). The API scales by processes (`--workers`).

Bulk requests (usage batches, rating and bill runs, collections: hundreds of milliseconds
and more, much of it waiting on PostgreSQL) run apart, on `TARIFA_API_BULK_THREADS` threads
(default 2) of their own (:func:`bulk`): one never holds up the reads of its worker, and two
batches sent over connections the same worker accepted still overlap one's parsing with the
other's database work.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from anyio import CapacityLimiter, to_thread
from starlette.requests import Request

from tarifa.errors import ValidationError

DEFAULT_API_THREADS = 1
DEFAULT_BULK_THREADS = 2

P = ParamSpec("P")
R = TypeVar("R")


def threads_from_environment(variable: str, default: int) -> int:
    raw = os.environ.get(variable, str(default))
    if not raw.isdigit() or int(raw) < 1:
        raise ValidationError.single(variable, "must be a whole number of at least 1")
    return int(raw)


def bulk(route: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """Run the sync `route` on the app's bulk threads (`app.state.bulk_threads`, a
    CapacityLimiter). The route must take `request: Request`; FastAPI sees its signature."""
    if "request" not in inspect.signature(route).parameters:
        raise TypeError(f"{route.__name__} must take `request: Request` to run as bulk work")

    @functools.wraps(route)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        request = kwargs["request"]
        assert isinstance(request, Request)
        return await in_bulk(request, functools.partial(route, *args, **kwargs))

    return run


async def in_bulk(request: Request, work: Callable[[], R]) -> R:
    """`work` run on the app's bulk threads (`app.state.bulk_threads`, a CapacityLimiter)."""
    limiter: CapacityLimiter = request.app.state.bulk_threads
    return await to_thread.run_sync(work, limiter=limiter)
