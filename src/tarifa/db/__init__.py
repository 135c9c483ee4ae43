"""The database edge: where the server is, how to reach it, and its schema."""

from tarifa.db.connection import ConnectionDatabase, Database, PooledDatabase
from tarifa.db.server import create_database, server_url

__all__ = [
    "ConnectionDatabase",
    "Database",
    "PooledDatabase",
    "create_database",
    "server_url",
]
