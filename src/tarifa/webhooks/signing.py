"""Standard Webhooks signatures (https://www.standardwebhooks.com), for tarifa's worker and
for receivers and tests that check them. Pure: no I/O, the clock passed in.

A message is signed with HMAC-SHA256 over ``"{webhook-id}.{webhook-timestamp}.{body}"``,
keyed with the endpoint's secret: ``whsec_`` followed by the base64 of the key bytes (the
prefix is dropped and the rest decoded). The ``webhook-signature`` header carries
``v1,<base64 of the digest>``, several space-separated when a secret is being rotated; one
match is enough. ``webhook-timestamp`` is the attempt's time in Unix seconds; a receiver
refuses a message more than five minutes away from its clock (a replayed capture).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping

from tarifa.errors import SignatureError

SECRET_PREFIX = "whsec_"  # noqa: S105 (the scheme's prefix, not a secret)
#: 32 random bytes (the scheme asks for 24 to 64).
SECRET_BYTES = 32
#: How far a message's timestamp may be from the receiver's clock, in seconds.
TOLERANCE_SECONDS = 300


def generate_secret() -> str:
    """A new signing secret: ``whsec_`` + base64 of 32 bytes from the OS's CSPRNG."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("the secret is not whsec_ followed by base64") from None


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header's value for one message: ``v1,<base64>``."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three headers of a signed message."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
    }


def verify(
    secret: str,
    message_headers: Mapping[str, str],
    body: bytes,
    *,
    now: int,
    tolerance: int = TOLERANCE_SECONDS,
) -> str:
    """Check a received message; return its ``webhook-id`` (the key to deduplicate on).

    `message_headers` are the request's headers (looked up in lower case; pass a
    case-insensitive mapping or lower-cased keys), `body` the raw bytes as received (not
    parsed and dumped again), `now` the receiver's clock in Unix seconds. SignatureError when
    a header is missing, the timestamp is outside `tolerance` or no signature matches.
    """
    msg_id = message_headers.get("webhook-id")
    stamp = message_headers.get("webhook-timestamp")
    signatures = message_headers.get("webhook-signature")
    if not msg_id or not stamp or not signatures:
        raise SignatureError("webhook-id, webhook-timestamp and webhook-signature are required")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise SignatureError(f"webhook-timestamp {stamp!r} is not Unix seconds") from None
    if abs(now - timestamp) > tolerance:
        raise SignatureError(f"webhook-timestamp {timestamp} is more than {tolerance} s away")
    expected = sign(secret, msg_id, timestamp, body).encode()
    for candidate in signatures.split():
        if hmac.compare_digest(candidate.encode(), expected):
            return msg_id
    raise SignatureError(f"no valid v1 signature for message {msg_id}")


__all__ = [
    "SECRET_PREFIX",
    "TOLERANCE_SECONDS",
    "generate_secret",
    "headers",
    "sign",
    "verify",
]
