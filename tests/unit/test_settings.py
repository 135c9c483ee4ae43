from __future__ import annotations

from pathlib import Path

from tarifa.db.embedded import EmbeddedServer
from tarifa.db.server import with_database
from tarifa.db.settings import from_environment


def test_without_a_url_the_embedded_server_in_dot_tarifa_is_used() -> None:
    settings = from_environment({})
    assert settings.embedded
    assert settings.home == Path(".tarifa").resolve()
    assert settings.durable


def test_tarifa_home_and_database_url_come_from_the_environment(tmp_path: Path) -> None:
    settings = from_environment(
        {"TARIFA_HOME": str(tmp_path), "TARIFA_DATABASE_URL": "postgresql://db.example/billing"}
    )
    assert not settings.embedded
    assert settings.home == tmp_path
    assert settings.database_url == "postgresql://db.example/billing"


def test_with_database_swaps_only_the_database_name() -> None:
    url = "postgresql://postgres@/tarifa?host=/var/run/x&port=5432"
    assert with_database(url, "other") == "postgresql://postgres@/other?host=/var/run/x&port=5432"


def test_a_deep_home_gets_a_short_private_socket_folder(tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 6)
    server = EmbeddedServer(deep)
    assert len(str(server.socket_dir / ".s.PGSQL.5432")) <= 100
