"""TARIFA_API_THREADS: how many threads a worker of `tarifa serve` gives blocking work."""

import pytest

from tarifa.api.app import DEFAULT_API_THREADS, api_threads_from_environment
from tarifa.errors import ValidationError


def test_a_worker_runs_blocking_work_in_one_thread_unless_told_otherwise(monkeypatch) -> None:
    monkeypatch.delenv("TARIFA_API_THREADS", raising=False)
    assert api_threads_from_environment() == DEFAULT_API_THREADS == 1
    monkeypatch.setenv("TARIFA_API_THREADS", "4")
    assert api_threads_from_environment() == 4


@pytest.mark.parametrize("raw", ["0", "-2", "four", ""])
def test_a_thread_count_below_one_or_not_a_number_names_the_variable(monkeypatch, raw) -> None:
    monkeypatch.setenv("TARIFA_API_THREADS", raw)
    with pytest.raises(ValidationError) as refused:
        api_threads_from_environment()
    assert [e.field for e in refused.value.errors] == ["TARIFA_API_THREADS"]
