"""What the routers share: the billing facade of the app, ETags and If-Match."""

from __future__ import annotations

from fastapi import Request, Response

from tarifa.errors import ValidationError
from tarifa.facade import Billing


def billing_of(request: Request) -> Billing:
    found: Billing = request.app.state.billing
    return found


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def if_match(request: Request) -> int | None:
    """The version an If-Match names (None without one); `*` matches any."""
    raw = request.headers.get("if-match")
    if raw is None or raw.strip() == "*":
        return None
    text = raw.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise ValidationError.single("If-Match", 'must be an ETag this API gave, such as "3"')
    return int(text)
