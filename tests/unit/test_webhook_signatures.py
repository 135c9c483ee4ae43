"""Standard Webhooks signatures (https://www.standardwebhooks.com): signing, verifying, and
two vectors computed outside tarifa."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from tarifa.errors import SignatureError
from tarifa.webhooks.model import message_body
from tarifa.webhooks.signing import generate_secret, headers, sign, verify

# The example the Standard Webhooks reference libraries test against (also Svix's worked
# example): secret, message id, timestamp and body as published, with its signature.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

# A tarifa message signed independently with OpenSSL (key: the bytes 0..31):
#   KEY=000102...1f
#   printf '%s' 'msg_0123456789abcdef0123456789abcdef.1775001600.<BODY>' \
#     | openssl dgst -sha256 -mac HMAC -macopt hexkey:$KEY -binary | base64
OWN_SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()
OWN_ID = "msg_0123456789abcdef0123456789abcdef"
OWN_TIMESTAMP = 1775001600  # 2026-04-01T00:00:00Z
OWN_BODY = (
    b'{"data":{"currency":"EUR","invoice_id":7,"total":"11.89"},'
    b'"timestamp":"2026-04-01T00:00:00.000000Z","type":"invoice.paid"}'
)
OWN_SIGNATURE = "v1,l+PkKygSuFLhJOOoF+e/1CsSqgaQ8cKLu9EL4+X1RWo="


def test_the_published_standard_webhooks_vector_is_reproduced() -> None:
    assert sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE


def test_a_tarifa_message_signs_as_openssl_computed_it() -> None:
    body = message_body(
        "invoice.paid",
        dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
        {"invoice_id": 7, "total": "11.89", "currency": "EUR"},
    )
    assert body == OWN_BODY
    assert sign(OWN_SECRET, OWN_ID, OWN_TIMESTAMP, body) == OWN_SIGNATURE


def test_a_signed_message_verifies_and_gives_its_id() -> None:
    sent = headers(OWN_SECRET, OWN_ID, OWN_TIMESTAMP, OWN_BODY)
    assert sent["webhook-signature"] == OWN_SIGNATURE
    assert verify(OWN_SECRET, sent, OWN_BODY, now=OWN_TIMESTAMP + 299) == OWN_ID


def test_one_matching_signature_among_several_is_enough() -> None:
    sent = {
        "webhook-id": SPEC_ID,
        "webhook-timestamp": str(SPEC_TIMESTAMP),
        "webhook-signature": f"v1,bm90IHRoaXMgb25l {SPEC_SIGNATURE} v2,whatever",
    }
    assert verify(SPEC_SECRET, sent, SPEC_BODY, now=SPEC_TIMESTAMP) == SPEC_ID


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"body": OWN_BODY.replace(b"11.89", b"11.88")}, "no valid v1 signature"),
        ({"secret": generate_secret()}, "no valid v1 signature"),
        ({"id": "msg_other"}, "no valid v1 signature"),
        ({"now": OWN_TIMESTAMP + 301}, "more than 300 s away"),
        ({"now": OWN_TIMESTAMP - 301}, "more than 300 s away"),
        ({"drop": "webhook-signature"}, "are required"),
        ({"timestamp": "yesterday"}, "not Unix seconds"),
    ],
)
def test_a_tampered_stale_or_incomplete_message_is_refused(
    change: dict[str, object], message: str
) -> None:
    sent = headers(OWN_SECRET, OWN_ID, OWN_TIMESTAMP, OWN_BODY)
    if "id" in change:
        sent["webhook-id"] = str(change["id"])
    if "timestamp" in change:
        sent["webhook-timestamp"] = str(change["timestamp"])
    if "drop" in change:
        del sent[str(change["drop"])]
    body = change.get("body", OWN_BODY)
    assert isinstance(body, bytes)
    now = change.get("now", OWN_TIMESTAMP)
    assert isinstance(now, int)
    with pytest.raises(SignatureError, match=message):
        verify(str(change.get("secret", OWN_SECRET)), sent, body, now=now)


def test_a_new_secret_is_whsec_and_32_random_bytes() -> None:
    first, second = generate_secret(), generate_secret()
    assert first.startswith("whsec_")
    assert first != second
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32


def test_a_secret_that_is_not_base64_is_refused() -> None:
    with pytest.raises(SignatureError, match="base64"):
        sign("whsec_not base64!", "msg_1", 1, b"{}")
