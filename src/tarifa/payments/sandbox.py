"""The sandbox gateway: a payment gateway for tests and the demo that runs as its own process
(`tarifa sandbox serve`), keeps its state in a file (every charge appended as a JSON line, so
it survives a restart) and answers like the big card gateways' public test tokens
(DOMAIN.md "Payments"):

- ``pm_card_visa`` (4242424242424242) succeeds;
- ``pm_card_chargeDeclined`` (4000000000000002) is declined, ``card_declined``;
- ``pm_card_chargeDeclinedInsufficientFunds`` (4000000000009995) is declined,
  ``insufficient_funds``;
- ``pm_card_createDispute`` (4000000000000259) succeeds (and would later be disputed);
- any other token fails, ``invalid_token``.

A charge with a key it has seen returns the first result (idempotency). ``POST /v1/control``
with ``{"delay_seconds": S, "count": N}`` makes the next N charges wait S seconds *after*
being recorded before answering: a client that gives up (a timeout) or dies meanwhile leaves
a charge that happened but whose answer it never got. ``GET /v1/charges/<key>`` tells what
became of a charge; ``GET /v1/log`` lists every charge made.

:class:`SandboxGateway` is the client (stdlib HTTP, a timeout per call).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tarifa.payments.gateway import ChargeResult, ChargeStatus

OUTCOMES = {
    "pm_card_visa": (ChargeStatus.SUCCEEDED, None),
    "pm_card_createDispute": (ChargeStatus.SUCCEEDED, None),
    "pm_card_chargeDeclined": (ChargeStatus.FAILED, "card_declined"),
    "pm_card_chargeDeclinedInsufficientFunds": (ChargeStatus.FAILED, "insufficient_funds"),
}


class SandboxState:
    """Charges by idempotency key, appended to `path` and read back on start."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.charges: dict[str, dict[str, Any]] = {}
        self.delay = 0.0
        self.delayed = 0
        self.events: list[dict[str, Any]] = []
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    charge = json.loads(line)
                    self.charges[charge["idempotency_key"]] = charge
                    self._dispute_if_asked(charge)

    def refund(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """A refund of a charge made here: never more than is left of it; by key, once."""
        key = "refund:" + str(body["idempotency_key"])
        with self.lock:
            if key in self.charges:
                return 200, self.charges[key]
            charge = next((c for c in self.charges.values() if c["id"] == body.get("charge")), None)
            if charge is None or charge["status"] != ChargeStatus.SUCCEEDED.value:
                return 404, {"error": "no_such_charge"}
            refunded = sum(
                Decimal(c["amount"])
                for c in self.charges.values()
                if c.get("refund_of") == charge["id"]
            )
            amount = Decimal(str(body["amount"]))
            if refunded + amount > Decimal(charge["amount"]):
                return 400, {"error": "amount_too_large"}
            refund = {
                "id": f"re_{uuid.uuid4().hex[:24]}",
                "idempotency_key": key,
                "refund_of": charge["id"],
                "amount": str(amount),
                "currency": charge["currency"],
                "status": ChargeStatus.SUCCEEDED.value,
                "failure_code": None,
            }
            with self.path.open("a", encoding="utf-8") as log:
                log.write(json.dumps(refund) + "\n")
            self.charges[key] = refund
            return 200, refund

    def _dispute_if_asked(self, charge: dict[str, Any]) -> None:
        """A charge of `pm_card_createDispute` is disputed: an event shaped like Stripe's
        charge.dispute.created (amount in minor units)."""
        if charge.get("token") != "pm_card_createDispute" or charge["status"] != "succeeded":
            return
        self.events.append(
            {
                "id": f"evt_{charge['id'][3:]}",
                "object": "event",
                "type": "charge.dispute.created",
                "data": {
                    "object": {
                        "id": f"dp_{charge['id'][3:]}",
                        "object": "dispute",
                        "payment_intent": charge["id"],
                        "amount": int(Decimal(charge["amount"]) * 100),
                        "currency": charge["currency"].lower(),
                        "reason": "fraudulent",
                        "status": "needs_response",
                    }
                },
            }
        )

    def charge(self, body: dict[str, Any]) -> tuple[dict[str, Any], float]:
        """The charge for `body` (made now, or the one made before with its key) and how long
        to wait before answering."""
        key = str(body["idempotency_key"])
        with self.lock:
            if key in self.charges:
                return self.charges[key], 0.0
            status, code = OUTCOMES.get(
                str(body.get("token")), (ChargeStatus.FAILED, "invalid_token")
            )
            charge = {
                "id": f"ch_{uuid.uuid4().hex[:24]}",
                "idempotency_key": key,
                "amount": str(Decimal(str(body["amount"]))),
                "currency": str(body["currency"]),
                "token": str(body.get("token")),
                "status": status.value,
                "failure_code": code,
            }
            with self.path.open("a", encoding="utf-8") as log:
                log.write(json.dumps(charge) + "\n")
                log.flush()
            self.charges[key] = charge
            self._dispute_if_asked(charge)
            wait = 0.0
            if self.delayed > 0:
                self.delayed -= 1
                wait = self.delay
            return charge, wait


def serve(host: str, port: int, state_file: Path) -> ThreadingHTTPServer:
    """A running sandbox server (call `serve_forever()` on it)."""
    state = SandboxState(state_file)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: tests and the demo read the log file instead

        def _reply(self, code: int, payload: object) -> None:
            data = json.dumps(payload).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            body: dict[str, Any] = json.loads(self.rfile.read(length) or b"{}")
            return body

        def do_POST(self) -> None:
            if self.path == "/v1/charges":
                charge, wait = state.charge(self._body())
                if wait:
                    time.sleep(wait)
                self._reply(200, charge)
            elif self.path == "/v1/refunds":
                self._reply(*state.refund(self._body()))
            elif self.path == "/v1/control":
                body = self._body()
                with state.lock:
                    state.delay = float(body.get("delay_seconds", 0))
                    state.delayed = int(body.get("count", 1))
                self._reply(200, {"ok": True})
            else:
                self._reply(404, {"error": "not_found"})

        def do_GET(self) -> None:
            if self.path == "/v1/log":
                with state.lock:
                    self._reply(200, list(state.charges.values()))
            elif self.path.startswith("/v1/charges/"):
                key = urllib.parse.unquote(self.path.removeprefix("/v1/charges/"))
                with state.lock:
                    charge = state.charges.get(key)
                self._reply(200 if charge else 404, charge or {"error": "not_found"})
            elif self.path == "/v1/events":
                with state.lock:
                    self._reply(200, {"object": "list", "data": list(state.events)})
            elif self.path == "/healthz":
                self._reply(200, {"ok": True})
            else:
                self._reply(404, {"error": "not_found"})

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: object, client_address: object) -> None:
            # A client that gave up (a timeout) closes its end before the delayed answer:
            # expected here, not an error worth a traceback.
            pass

    return Server((host, port), Handler)


class SandboxGateway:
    """The client of a sandbox server at `url`."""

    name = "sandbox"

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"the sandbox gateway's URL must be http(s): {url!r}")
        self.url = url.rstrip("/")
        self.timeout = timeout

    def charge(
        self, *, amount: Decimal, currency: str, token: str, idempotency_key: str
    ) -> ChargeResult:
        body = {
            "amount": str(amount),
            "currency": currency,
            "token": token,
            "idempotency_key": idempotency_key,
        }
        try:
            answer = self._call("POST", "/v1/charges", body)
        except (TimeoutError, urllib.error.URLError, ConnectionError, OSError):
            return ChargeResult(status=ChargeStatus.UNKNOWN)
        return _result(answer)

    def lookup(self, idempotency_key: str) -> ChargeResult | None:
        try:
            answer = self._call("GET", f"/v1/charges/{urllib.parse.quote(idempotency_key)}")
        except urllib.error.HTTPError as err:
            if err.code == 404:
                return None
            raise
        return _result(answer)

    def refund(
        self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> ChargeResult:
        body = {"charge": reference, "amount": str(amount), "idempotency_key": idempotency_key}
        try:
            answer = self._call("POST", "/v1/refunds", body)
        except urllib.error.HTTPError as err:
            code = json.loads(err.read() or b"{}").get("error", "refused")
            return ChargeResult(status=ChargeStatus.FAILED, failure_code=str(code))
        except (TimeoutError, urllib.error.URLError, ConnectionError, OSError):
            return ChargeResult(status=ChargeStatus.UNKNOWN)
        return _result(answer)

    def events(self) -> list[dict[str, Any]]:
        """The sandbox's events (disputes), shaped like Stripe's."""
        answer: list[dict[str, Any]] = self._call("GET", "/v1/events")["data"]
        return answer

    def delay_next(self, seconds: float, count: int = 1) -> None:
        """Make the next `count` charges answer `seconds` after being recorded."""
        self._call("POST", "/v1/control", {"delay_seconds": seconds, "count": count})

    def log(self) -> list[dict[str, Any]]:
        """Every charge the sandbox made, oldest first."""
        answer: list[dict[str, Any]] = self._call_any("GET", "/v1/log")
        return answer

    def _call(self, method: str, path: str, body: object | None = None) -> dict[str, Any]:
        answer: dict[str, Any] = self._call_any(method, path, body)
        return answer

    def _call_any(self, method: str, path: str, body: object | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        # The URL is checked to be http(s) when the client is made.
        request = urllib.request.Request(  # noqa: S310
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            return json.loads(response.read())


def _result(answer: dict[str, Any]) -> ChargeResult:
    status = ChargeStatus(answer["status"])
    return ChargeResult(
        status=status,
        reference=answer.get("id"),
        failure_code=answer.get("failure_code"),
        failure_message=None if status is ChargeStatus.SUCCEEDED else answer.get("failure_code"),
    )


__all__ = ["OUTCOMES", "SandboxGateway", "SandboxState", "serve"]
