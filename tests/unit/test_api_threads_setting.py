"""TARIFA_API_THREADS / TARIFA_API_BULK_THREADS: the threads a worker of `tarifa serve`
gives ordinary and bulk requests (tarifa.api.threads)."""

import threading

import anyio
import httpx
import pytest
from anyio import CapacityLimiter, to_thread
from fastapi import FastAPI, Request

from tarifa.api.threads import bulk, threads_from_environment
from tarifa.errors import ValidationError


def test_a_worker_runs_ordinary_work_in_one_thread_unless_told_otherwise(monkeypatch) -> None:
    monkeypatch.delenv("TARIFA_API_THREADS", raising=False)
    assert threads_from_environment("TARIFA_API_THREADS", 1) == 1
    monkeypatch.setenv("TARIFA_API_THREADS", "4")
    assert threads_from_environment("TARIFA_API_THREADS", 1) == 4


@pytest.mark.parametrize("raw", ["0", "-2", "four", ""])
def test_a_thread_count_below_one_or_not_a_number_names_the_variable(monkeypatch, raw) -> None:
    monkeypatch.setenv("TARIFA_API_BULK_THREADS", raw)
    with pytest.raises(ValidationError) as refused:
        threads_from_environment("TARIFA_API_BULK_THREADS", 2)
    assert [e.field for e in refused.value.errors] == ["TARIFA_API_BULK_THREADS"]


def test_a_bulk_route_must_take_the_request_that_names_its_threads() -> None:
    def no_request(body: dict) -> dict:
        return body

    with pytest.raises(TypeError, match="request"):
        bulk(no_request)


def test_a_bulk_request_runs_apart_and_never_holds_up_an_ordinary_one() -> None:
    """The ordinary pool has one thread; a bulk request blocked in its own thread leaves it
    free, so a read answers meanwhile."""
    app = FastAPI()
    release = threading.Event()

    @app.post("/slow")
    @bulk
    def slow(request: Request) -> dict[str, str]:
        release.wait(10)
        return {"bulk": str(threading.get_ident())}

    @app.get("/read")
    def read() -> dict[str, str]:
        return {"read": str(threading.get_ident())}

    async def scenario() -> tuple[int, int, str, str]:
        to_thread.current_default_thread_limiter().total_tokens = 1
        app.state.bulk_threads = CapacityLimiter(2)
        transport = httpx.ASGITransport(app=app)
        answers: dict[str, httpx.Response] = {}
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://t") as client,
            anyio.create_task_group() as group,
        ):

            async def post() -> None:
                answers["slow"] = await client.post("/slow")

            group.start_soon(post)
            await anyio.sleep(0.2)  # the bulk request is waiting in its thread
            with anyio.fail_after(5):
                answers["read"] = await client.get("/read")
            still_blocked = "slow" not in answers
            release.set()
        assert still_blocked
        return (answers["read"].status_code, answers["slow"].status_code,
                answers["read"].json()["read"], answers["slow"].json()["bulk"])  # fmt: skip

    read_status, slow_status, read_thread, bulk_thread = anyio.run(scenario)
    assert (read_status, slow_status) == (200, 200)
    assert read_thread != bulk_thread
