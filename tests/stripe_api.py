"""A local HTTP server that answers the few Stripe API calls tarifa makes, with JSON shaped as
Stripe's API reference documents it (https://docs.stripe.com/api/payment_intents): create a
PaymentIntent (form-encoded, `Idempotency-Key` honoured: the same key returns the first
answer), search PaymentIntents by metadata, and the card errors of the public test payment
methods (`pm_card_chargeDeclined` -> card_declined / generic_decline,
`pm_card_chargeDeclinedInsufficientFunds` -> card_declined / insufficient_funds). Test
support, not a Stripe emulator."""

from __future__ import annotations

import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

DECLINES = {
    "pm_card_chargeDeclined": "generic_decline",
    "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
}


class StripeApi:
    def __init__(self) -> None:
        self.intents: list[dict[str, Any]] = []
        self.replies: dict[str, tuple[int, dict[str, Any]]] = {}
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _create(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        method = form.get("payment_method", "")
        intent = {
            "id": f"pi_{uuid.uuid4().hex[:24]}",
            "object": "payment_intent",
            "amount": int(form["amount"]),
            "currency": form["currency"],
            "payment_method": method,
            "confirmation_method": "automatic",
            "metadata": {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")},
            "status": "succeeded",
            "latest_charge": f"ch_{uuid.uuid4().hex[:24]}",
            "last_payment_error": None,
            "livemode": False,
        }
        if method in DECLINES:
            error = {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": DECLINES[method],
                "message": "Your card was declined.",
            }
            intent |= {"status": "requires_payment_method", "last_payment_error": error}
            self.intents.append(intent)
            return 402, {"error": error | {"payment_intent": intent}}
        self.intents.append(intent)
        return 200, intent

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def _reply(self, code: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Request-Id", f"req_{uuid.uuid4().hex[:14]}")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                key = self.headers.get("Idempotency-Key") or str(uuid.uuid4())
                with api.lock:
                    api.requests.append({"path": self.path, "form": form, "key": key})
                    if self.path == "/v1/payment_intents":
                        if key not in api.replies:
                            api.replies[key] = api._create(form)
                        self._reply(*api.replies[key])
                    else:
                        self._reply(404, {"error": {"type": "invalid_request_error"}})

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path != "/v1/payment_intents/search":
                    self._reply(404, {"error": {"type": "invalid_request_error"}})
                    return
                query = parse_qs(url.query)["query"][0]
                wanted = re.fullmatch(r"metadata\['(\w+)'\]:'([^']*)'", query)
                assert wanted is not None, query
                field, value = wanted.groups()
                with api.lock:
                    found = [i for i in api.intents if i["metadata"].get(field) == value]
                self._reply(
                    200,
                    {"object": "search_result", "data": found, "has_more": False,
                     "url": "/v1/payment_intents/search", "next_page": None},
                )  # fmt: skip

        return Handler


__all__ = ["StripeApi"]
