"""A small agency written only from the published contract, as an outside integrator would: the kit's reference.

It imports nothing of the platform. It reads the WUYUAN_* environment the platform gives every agency, keeps
its referrals, inbox and outbox in tables of its own, consumes its inbox with py-amqp, serves the officer API
with http.server, and verifies officers' tokens with PyJWT. Correct by default; each `--fault` breaks one rule
so that the conformance kit can be shown to catch it:

  wrong_user          takes referrals from any broker user, not only the coordinator's
  any_unit            takes referrals addressed to another agency's units too
  wrong_schema        replies leave out the required field `officer`
  duplicate_effects   no inbox de-duplication: a redelivered referral is applied again
  no_trace            replies carry no traceparent
  ack_before_confirm  replies are published without confirms and marked sent at once
  ignores_withdrawals takes tokens the issuer withdrew (WUYUAN_AUTH_REVOCATIONS_URL)
  ignores_refusals    keeps a result the centre refused (MessageRejected) as done, never reopening the referral
"""

import argparse
import contextlib
import hashlib
import json
import logging
import os
import re
import secrets
import threading
import time
import tomllib
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import amqp
import jwt
import psycopg
from psycopg.types.json import Jsonb

FAULTS = (
    "wrong_user",
    "any_unit",
    "wrong_schema",
    "duplicate_effects",
    "no_trace",
    "ack_before_confirm",
    "no_reconnect",
    "ignores_withdrawals",
    "ignores_refusals",
)
DOCUMENTS = "wuyuan.documents"
REQUIRED = ("message_id", "type", "schema_version", "case_id", "sender", "recipient", "occurred_at",
            "referral_id", "role", "round", "source", "category", "division_code", "summary", "flags",
            "parties", "due_at")  # fmt: skip
NEWEST_REFERRAL_VERSION = 3
REPLY_VERSIONS = {"ReferralAccepted": 1, "ReferralDeclined": 2, "ProgressReported": 1, "ResultReported": 2}
# action -> (statuses it applies to, status after, reply type, required body fields)
ACTIONS = {
    "accept": ({"received"}, "accepted", "ReferralAccepted", ()),
    "decline": ({"received", "accepted"}, "declined", "ReferralDeclined", ("reason",)),
    "progress": ({"accepted"}, "accepted", "ProgressReported", ("note",)),
    "result": ({"accepted"}, "reported", "ResultReported", ("result", "summary")),
}
TABLES = """
CREATE TABLE IF NOT EXISTS ref_inbox (message_id text PRIMARY KEY, received_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS ref_referrals (
  record_id bigserial PRIMARY KEY, referral_id text NOT NULL, case_id text NOT NULL, unit text NOT NULL,
  centre text NOT NULL, status text NOT NULL, trace_id text, received_at timestamptz NOT NULL DEFAULT now(),
  finished_by text, finished_from text);
CREATE TABLE IF NOT EXISTS ref_outbox (
  message_id text PRIMARY KEY, routing_key text NOT NULL, message_type text NOT NULL, body text NOT NULL,
  headers jsonb NOT NULL, sent_at timestamptz, created_at timestamptz NOT NULL DEFAULT now());
"""
log = logging.getLogger("reference_agency")


class Agency:
    def __init__(self, fault: str | None) -> None:
        self.fault = fault
        self.service = os.environ["WUYUAN_SERVICE"]
        self.amqp_uri = os.environ["WUYUAN_AMQP_URI"]
        self.user = os.environ["WUYUAN_AMQP_USER"]
        self.vhost = unquote(urlsplit(self.amqp_uri).path.lstrip("/"))
        self.coordinator_user = f"{self.vhost}.coordinator"
        self.database_url = os.environ["WUYUAN_DATABASE_URL"]
        self.code = agency_code(Path(os.environ["WUYUAN_CONFIG_DIR"]) / "agencies.toml", self.service)
        self.issuer = os.environ["WUYUAN_AUTH_ISSUER"]
        self.audience = os.environ["WUYUAN_AUTH_AUDIENCE"]
        self.jwks_url = os.environ["WUYUAN_AUTH_JWKS_URL"]
        self.revocations_url = os.environ.get("WUYUAN_AUTH_REVOCATIONS_URL")
        self.consuming = threading.Event()
        self.outbox_waiting = threading.Event()

    # --- database ---------------------------------------------------------------------------------------------

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.database_url, connect_timeout=10)

    # --- the inbox ----------------------------------------------------------------------------------------------

    def consume_forever(self) -> None:
        while True:
            try:
                self._consume()
            except Exception as exc:
                if self.fault == "no_reconnect":
                    log.warning("inbox connection lost (%s); not connecting again", exc)
                    return
                log.warning("inbox connection lost (%s); connecting again", exc)
            self.consuming.clear()
            time.sleep(0.5)

    def _consume(self) -> None:
        with amqp_connection(self.amqp_uri) as connection:
            channel: Any = connection.channel()
            dead_channel: Any = connection.channel()
            dead_channel.confirm_select()
            channel.basic_qos(0, 10, False)
            channel.basic_consume(
                f"wuyuan.{self.service}.inbox", callback=lambda m: self.on_message(channel, dead_channel, m)
            )
            self.consuming.set()
            while True:
                try:
                    connection.drain_events(timeout=1)
                except TimeoutError:
                    connection.heartbeat_tick()

    def on_message(self, channel: Any, dead_channel: Any, message: amqp.Message) -> None:
        tag = (message.delivery_info or {})["delivery_tag"]
        reason = self.refusal(message)
        if reason is None:
            body = json.loads(message.body)
            if body.get("type") == "ReferralIssued":
                self.record_referral(message, body)
            elif body.get("type") == "MessageRejected":
                self.reopen_if_refused(body)
        else:
            self.dead_letter(dead_channel, message, reason)
        channel.basic_ack(tag)  # only after the commit, or after the dead letter is confirmed

    def refusal(self, message: amqp.Message) -> str | None:
        try:
            body = json.loads(message.body)
        except ValueError as bad:
            return f"malformed: not JSON ({bad})"
        if not isinstance(body, dict):
            return "malformed: not a JSON object"
        if body.get("type") == "MessageRejected":
            refused_by = body.get("refused_by")
            if refused_by not in ("coordinator", "intake", "supervision"):
                return f"schema: refused_by: {refused_by!r:.60} is not a centre service"
            sent_by = message.properties.get("user_id")
            refuser = f"{self.vhost}.{refused_by}"
            if sent_by != refuser:
                return f"rejected: wrong_sender: MessageRejected must come from {refuser}, came from {sent_by}"
            return None
        if body.get("type") != "ReferralIssued":
            return None  # letters and notices: taken, and nothing more in this small agency
        for name in REQUIRED:
            if name not in body:
                return f"schema: {name}: Field required"
        version = body.get("schema_version")
        if not isinstance(version, int) or not 1 <= version <= NEWEST_REFERRAL_VERSION:
            return f"schema: schema_version: {version} is not 1..{NEWEST_REFERRAL_VERSION}"
        sent_by = message.properties.get("user_id")
        if self.fault != "wrong_user" and sent_by != self.coordinator_user:
            return f"rejected: wrong_sender: ReferralIssued must come from {self.coordinator_user}, came from {sent_by}"
        recipient = body.get("recipient")
        if self.fault != "any_unit" and (not isinstance(recipient, str) or recipient.partition(":")[0] != self.code):
            return f"rejected: wrong_unit: {recipient!r:.60} is not a unit of {self.code}"
        return None

    def record_referral(self, message: amqp.Message, body: dict[str, Any]) -> None:
        traceparent = dict(message.properties.get("application_headers") or {}).get("traceparent")
        trace_id = traceparent.split("-")[1] if isinstance(traceparent, str) and traceparent.count("-") == 3 else None
        with self.connect() as db, db.transaction():
            claimed = db.execute(
                "INSERT INTO ref_inbox (message_id) VALUES (%s) ON CONFLICT DO NOTHING", (body["message_id"],)
            ).rowcount
            if not claimed and self.fault != "duplicate_effects":
                return  # seen before: acknowledged and skipped
            if self.fault == "duplicate_effects":
                # Applied again as if new: the referral starts over.
                db.execute("DELETE FROM ref_referrals WHERE referral_id = %s", (body["referral_id"],))
            db.execute(
                "INSERT INTO ref_referrals (referral_id, case_id, unit, centre, status, trace_id)"
                " VALUES (%s, %s, %s, %s, 'received', %s)",
                (body["referral_id"], body["case_id"], body["recipient"], body["sender"], trace_id),
            )

    def reopen_if_refused(self, body: dict[str, Any]) -> None:
        """The centre refused the very report that finished a referral: the unit's part is not done, and the referral
        goes back to the status it had, for an officer to report again. A refusal of anything else changes nothing."""
        with self.connect() as db, db.transaction():
            claimed = db.execute(
                "INSERT INTO ref_inbox (message_id) VALUES (%s) ON CONFLICT DO NOTHING", (body["message_id"],)
            ).rowcount
            if not claimed or self.fault == "ignores_refusals":
                return
            db.execute(
                "UPDATE ref_referrals SET status = finished_from, finished_by = NULL, finished_from = NULL"
                " WHERE referral_id = %s AND finished_by = %s",
                (body.get("referral_id"), body.get("rejected_message_id")),
            )

    def dead_letter(self, dead_channel: Any, message: amqp.Message, reason: str) -> None:
        headers = dict(message.properties.get("application_headers") or {})
        headers.update(
            {
                "x-wuyuan-dead-reason": reason[:1000],
                "x-wuyuan-dead-queue": f"wuyuan.{self.service}.inbox",
                "x-wuyuan-dead-at": datetime.now(UTC).isoformat(),
                "x-wuyuan-original-user-id": str(message.properties.get("user_id") or ""),
            }
        )
        properties = {k: v for k, v in message.properties.items() if k != "application_headers"}
        properties["user_id"] = self.user
        properties["delivery_mode"] = 2
        copy = amqp.Message(message.body, application_headers=headers, **properties)
        dead_channel.basic_publish_confirm(copy, exchange=f"wuyuan.dead.{self.service}", routing_key=self.service)
        log.info("dead-lettered %s: %s", message.properties.get("message_id"), reason)

    # --- the outbox ---------------------------------------------------------------------------------------------

    def relay_forever(self) -> None:
        while True:
            try:
                # No heartbeats: this connection reads only confirms, so it would miss the broker's heartbeats.
                with amqp_connection(self.amqp_uri, heartbeat=0) as connection:
                    channel = connection.channel()
                    if self.fault != "ack_before_confirm":
                        channel.confirm_select()
                    while True:
                        self.outbox_waiting.wait(1)
                        self.outbox_waiting.clear()
                        self.publish_pending(channel)
            except Exception as exc:
                log.warning("relay: %s; trying again", exc)
                time.sleep(1)

    def publish_pending(self, channel: Any) -> None:
        with self.connect() as db:
            rows = db.execute(
                "SELECT message_id, routing_key, message_type, body, headers FROM ref_outbox"
                " WHERE sent_at IS NULL ORDER BY created_at"
            ).fetchall()
        for message_id, routing_key, message_type, body, headers in rows:
            message = amqp.Message(
                body.encode(),
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=2,
                message_id=message_id,
                type=message_type,
                user_id=self.user,
                application_headers=headers,
            )
            if self.fault == "ack_before_confirm":
                channel.basic_publish(message, exchange=DOCUMENTS, routing_key=routing_key, mandatory=True)
            else:
                channel.basic_publish_confirm(
                    message, exchange=DOCUMENTS, routing_key=routing_key, mandatory=True, confirm_timeout=10
                )
            with self.connect() as db:  # marked sent only once the broker confirmed it
                db.execute("UPDATE ref_outbox SET sent_at = now() WHERE message_id = %s", (message_id,))

    # --- officers -----------------------------------------------------------------------------------------------

    def officer(self, authorization: str | None) -> dict[str, Any]:
        if not authorization or not authorization.startswith("Bearer "):
            raise HttpError(401, "a bearer token is required")
        token = authorization.removeprefix("Bearer ")
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            keys = jwt.PyJWKSet.from_dict(read_jwks(self.jwks_url))
            key = next(k for k in keys.keys if k.key_id == kid)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["ES256"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat"]},
            )
        except (jwt.PyJWTError, StopIteration, OSError, ValueError) as bad:
            raise HttpError(401, f"invalid token: {bad.__class__.__name__}") from None
        if self.fault != "ignores_withdrawals" and self.withdrawn(claims):
            raise HttpError(401, "token withdrawn; sign in again")
        if "officer" not in claims.get("roles", []):
            raise HttpError(403, "officers only")
        return claims

    def withdrawn(self, claims: dict[str, Any]) -> bool:
        """Whether the issuer's list (read at each request: this agency is small, not fast) withdrew the token: by the
        handle it carries, or by the SHA-256 of its subject. A list that cannot be read is a 503: it keeps no list
        read earlier, and a withdrawn token would pass otherwise."""
        if not self.revocations_url:
            return False
        try:
            listed = read_jwks(self.revocations_url)
            by_handle = {e["handle"]: e["tokens_valid_from"] for e in listed.get("withdrawn", [])}
            by_digest = {e["subject_digest"]: e["tokens_valid_from"] for e in listed["revoked"]}
        except (OSError, ValueError, KeyError, TypeError):
            raise HttpError(503, "cannot read the withdrawn tokens now; retry later") from None
        digest = hashlib.sha256(str(claims.get("sub", "")).encode()).hexdigest()
        found = [by_digest.get(digest), by_handle.get(claims.get("wuyuan_handle"))]
        return any(at is not None and claims["iat"] < at for at in found)

    def acts_for(self, claims: dict[str, Any], unit: str) -> bool:
        agency, _, division = unit.partition(":")
        return any(
            own.partition(":")[0] == agency == self.code and division.startswith(own.partition(":")[2])
            for own in claims.get("units", [])
        )

    def show(self, claims: dict[str, Any], referral_id: str) -> dict[str, Any]:
        with self.connect() as db:
            row = db.execute(
                "SELECT referral_id, case_id, unit, status FROM ref_referrals WHERE referral_id = %s"
                " ORDER BY record_id DESC LIMIT 1",
                (referral_id,),
            ).fetchone()
        if row is None:
            raise HttpError(404, f"referral {referral_id} not found")
        if not self.acts_for(claims, row[2]):  # another unit's: as if it did not exist
            raise HttpError(404, f"referral {referral_id} not found")
        return {"referral_id": row[0], "case_id": row[1], "unit": row[2], "status": row[3]}

    def list(self, claims: dict[str, Any]) -> dict[str, Any]:
        with self.connect() as db:
            rows = db.execute(
                "SELECT referral_id, case_id, unit, status FROM ref_referrals ORDER BY record_id"
            ).fetchall()
        referrals = [
            {"referral_id": r[0], "case_id": r[1], "unit": r[2], "status": r[3]}
            for r in rows
            if self.acts_for(claims, r[2])
        ]
        return {"referrals": referrals}

    def act(self, claims: dict[str, Any], referral_id: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
        allowed, after, reply_type, required = ACTIONS[action]
        for name in required:
            if not isinstance(body.get(name), str) or not body[name].strip():
                raise HttpError(400, f"{name}: required")
        with self.connect() as db, db.transaction():
            row = db.execute(
                "SELECT record_id, case_id, unit, centre, status, trace_id FROM ref_referrals WHERE referral_id = %s"
                " ORDER BY record_id DESC LIMIT 1 FOR UPDATE",
                (referral_id,),
            ).fetchone()
            if row is None:
                raise HttpError(404, f"referral {referral_id} not found")
            record_id, case_id, unit, centre, status, trace_id = row
            if not self.acts_for(claims, unit):  # another unit's: as if it did not exist
                raise HttpError(404, f"referral {referral_id} not found")
            if status not in allowed:
                raise HttpError(409, f"status: cannot {action} a referral that is {status}")
            message_id = str(uuid.uuid4())
            finishes = reply_type in ("ResultReported", "ReferralDeclined")
            db.execute(
                "UPDATE ref_referrals SET status = %s, finished_by = %s, finished_from = %s WHERE record_id = %s",
                (after, message_id if finishes else None, status if finishes else None, record_id),
            )
            reply: dict[str, Any] = {
                "message_id": message_id,
                "type": reply_type,
                "schema_version": REPLY_VERSIONS[reply_type],
                "case_id": case_id,
                "sender": unit,
                "recipient": centre,
                "occurred_at": datetime.now(UTC).isoformat(),
                "referral_id": referral_id,
                "officer": str(claims.get("name") or claims["sub"]),
                **{name: body[name] for name in ("reason", "reason_code", "note", "result", "summary") if name in body},
            }
            if self.fault == "wrong_schema":
                del reply["officer"]
            headers = {}
            if trace_id and self.fault != "no_trace":
                headers["traceparent"] = f"00-{trace_id}-{secrets.token_hex(8)}-01"
            db.execute(
                "INSERT INTO ref_outbox (message_id, routing_key, message_type, body, headers)"
                " VALUES (%s, %s, %s, %s, %s)",
                (
                    message_id,
                    f"coordinator.{reply_type}",
                    reply_type,
                    json.dumps(reply, ensure_ascii=False),
                    Jsonb(headers),
                ),
            )
        self.outbox_waiting.set()
        return {"referral_id": referral_id, "status": after, "message_id": message_id}


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


REFERRAL = re.compile(r"^/api/v1/referrals/([0-9a-f-]{36})(?:/(accept|decline|progress|result))?$")


def handler_for(agency: Agency) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.respond(self.route("GET"))

        def do_POST(self) -> None:
            self.respond(self.route("POST"))

        def route(self, method: str) -> tuple[int, dict[str, Any]]:
            path = urlsplit(self.path).path
            try:
                if method == "GET" and path == "/health":
                    if not agency.consuming.is_set():
                        return 503, {"status": "starting"}
                    return 200, {"status": "ok"}
                claims = agency.officer(self.headers.get("Authorization"))
                if method == "GET" and path == "/api/v1/referrals":
                    return 200, agency.list(claims)
                match = REFERRAL.match(path)
                if match is None:
                    raise HttpError(404, "not found")
                referral_id, action = match.groups()
                if method == "GET" and action is None:
                    return 200, agency.show(claims, referral_id)
                if method == "POST" and action is not None:
                    length = int(self.headers.get("Content-Length") or 0)
                    try:
                        body = json.loads(self.rfile.read(length) or b"{}")
                    except ValueError:
                        raise HttpError(400, "body: not JSON") from None
                    if not isinstance(body, dict):
                        raise HttpError(400, "body: not a JSON object")
                    return 202, agency.act(claims, referral_id, action, body)
                raise HttpError(405, "method not allowed")
            except HttpError as refused:
                return refused.status, {"error": str(refused)}

        def respond(self, answer: tuple[int, dict[str, Any]]) -> None:
            status, body = answer
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            log.info("http %s", format % args)

    return Handler


def agency_code(registry: Path, service: str) -> str:
    agencies = tomllib.loads(registry.read_text(encoding="utf-8"))["agencies"]
    return str(next(code for code, entry in agencies.items() if entry.get("service") == service))


def read_jwks(url: str) -> dict[str, Any]:
    if url.startswith("file://"):
        data: dict[str, Any] = json.loads(Path(unquote(urlsplit(url).path)).read_text(encoding="utf-8"))
        return data
    import urllib.request

    with urllib.request.urlopen(url, timeout=5) as response:
        fetched: dict[str, Any] = json.loads(response.read())
        return fetched


class amqp_connection:
    def __init__(self, uri: str, heartbeat: int = 30) -> None:
        parts = urlsplit(uri)
        self.connection = amqp.Connection(
            host=f"{parts.hostname}:{parts.port or 5672}",
            userid=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            virtual_host=unquote(parts.path.lstrip("/")),
            connect_timeout=10,
            heartbeat=heartbeat,
        )

    def __enter__(self) -> amqp.Connection:
        self.connection.connect()
        return self.connection

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):  # the broker may have closed it already
            self.connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fault", choices=FAULTS, help="break one rule of the contract on purpose")
    fault = parser.parse_args().fault
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    agency = Agency(fault)
    with agency.connect() as db:
        db.execute(TABLES)
    threading.Thread(target=agency.consume_forever, name="inbox", daemon=True).start()
    threading.Thread(target=agency.relay_forever, name="outbox", daemon=True).start()
    host, _, port = os.environ["WUYUAN_HTTP_ADDRESS"].rpartition(":")
    server = ThreadingHTTPServer((host, int(port)), handler_for(agency))
    log.info("serving on %s:%s (fault: %s)", host, port, fault or "none")
    server.serve_forever()


if __name__ == "__main__":
    main()
