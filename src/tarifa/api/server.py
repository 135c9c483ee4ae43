"""The app uvicorn serves (`tarifa serve`): on TARIFA_DATABASE_URL, else the embedded server."""

from __future__ import annotations

from tarifa.api.app import create_app
from tarifa.db.server import server_url
from tarifa.db.settings import from_environment

app = create_app(url=server_url(from_environment()))
