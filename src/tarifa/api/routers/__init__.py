"""One router per resource; each route declares its scope (tarifa.api.auth)."""
