#!/usr/bin/env python3
"""Sends JSON nested 10,000 deep to a running Consilium server (issue 16).

    python3 scripts/dev/deep-json-probe.py --base http://127.0.0.1:8080 \
        --username admin --password PASSWORD [--depth 10000]

Needs `websocket-client` (scripts/schemathesis.sh installs it into its venv,
${TMPDIR:-/tmp}/consilium-schemathesis/venv, and runs this probe after the
fuzzing run). Checks that:

  HTTP  a deep body answers 400 with an error body (code and reason), never
        5xx or a dropped connection, on the unauthenticated login and on
        authenticated endpoints (a deep value in a JSON field, and a deep body
        on a transition endpoint, which reads its body as raw JSON), and that
        the server still answers afterwards;
  WS    on an authenticated socket (bearer header, docs/protocol.md
        "Authenticating" A) a deep frame, and a `signal` frame whose opaque
        `data` is deep, each get an `error` frame, and a `ping` sent after
        them still gets its `pong`: the socket stays usable;
        before authentication, a deep first frame closes the socket with
        1008 (auth_required), as any malformed first frame does.

Prints one line per check and exits 1 if any failed.
"""

import argparse
import json
import socket
import sys
import urllib.error
import urllib.request
import uuid

try:
    import websocket  # websocket-client
except ImportError:  # pragma: no cover
    sys.exit("deep-json-probe: needs websocket-client (pip install websocket-client)")

results = []


def record(name, ok, detail):
    results.append(ok)
    print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}", flush=True)


def http(base, method, path, body, token=None, ctype="application/json"):
    req = urllib.request.Request(base + path, data=body, method=method)
    if body is not None:
        req.add_header("Content-Type", ctype)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except (urllib.error.URLError, ConnectionError, socket.timeout) as e:
        return None, f"connection failed: {e}"


def deep_array(depth):
    return "[" * depth + "]" * depth


def deep_object(depth):
    return '{"a":' * depth + "1" + "}" * depth


def expect_400(name, status, body):
    try:
        err = json.loads(body)["error"]
        reason = f"{err.get('code')}/{err.get('reason')}: {err.get('message', '')[:120]}"
    except (ValueError, KeyError, TypeError):
        err, reason = None, body[:160]
    ok = status == 400 and err is not None and bool(err.get("reason"))
    record(name, ok, f"HTTP {status} {reason}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--username", default="admin")
    ap.add_argument("--password", required=True)
    ap.add_argument("--depth", type=int, default=10_000)
    a = ap.parse_args()
    base, depth = a.base.rstrip("/"), a.depth

    # ---- HTTP, unauthenticated: the login body itself
    s, b = http(base, "POST", "/api/v1/auth/login", deep_array(depth).encode())
    expect_400(f"POST /auth/login, body [[[…]]] {depth} deep", s, b)
    body = '{"username":' + deep_object(depth) + ',"password":"x"}'
    s, b = http(base, "POST", "/api/v1/auth/login", body.encode())
    expect_400(f"POST /auth/login, username = object {depth} deep", s, b)

    s, b = http(base, "POST", "/api/v1/auth/login",
                json.dumps({"username": a.username, "password": a.password}).encode())
    if s != 200:
        record("sign in after the deep bodies", False, f"HTTP {s} {b[:200]}")
        return
    token = json.loads(b)["access_token"]
    record("sign in after the deep bodies", True, "HTTP 200")

    # ---- HTTP, authenticated: a deep value in a JSON field, a deep body
    body = ('{"name":"ST deep","specialty":' + deep_object(depth)
            + ',"lead_id":"' + str(uuid.uuid4()) + '"}')
    s, b = http(base, "POST", "/api/v1/teams", body.encode(), token)
    expect_400(f"POST /teams (admin), specialty = object {depth} deep", s, b)
    body = '{"role":' + deep_array(depth) + "}"
    s, b = http(base, "PATCH", f"/api/v1/users/{uuid.uuid4()}", body.encode(), token)
    expect_400(f"PATCH /users/{{id}} (admin), role = [[[…]]] {depth} deep", s, b)
    # transitions read their body as bytes and parse it themselves (routes/mod.rs optional_json)
    s, b = http(base, "POST", f"/api/v1/referrals/{uuid.uuid4()}/accept", deep_object(depth).encode(), token)
    expect_400(f"POST /referrals/{{id}}/accept, body {{\"a\":…}} {depth} deep", s, b)
    s, b = http(base, "POST", f"/api/v1/consults/{uuid.uuid4()}/complete", deep_array(depth).encode(), token)
    expect_400(f"POST /consults/{{id}}/complete, body [[[…]]] {depth} deep", s, b)
    s, b = http(base, "GET", "/api/v1/me", None, token)
    record("server still answers (GET /me)", s == 200, f"HTTP {s}")

    # ---- websocket
    ws_url = base.replace("http://", "ws://", 1).replace("https://", "wss://", 1) + "/api/v1/ws"

    def recv_until(ws, want, limit=50):
        """Frames up to the first of type `want` (or a close), as a list of dicts."""
        seen = []
        for _ in range(limit):
            opcode, data = ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
                seen.append({"type": "<close>", "code": code, "reason": data[2:].decode(errors="replace")})
                return seen
            if opcode != websocket.ABNF.OPCODE_TEXT:
                continue
            frame = json.loads(data)
            seen.append(frame)
            if frame.get("type") in want:
                return seen
        return seen

    try:
        ws = websocket.create_connection(ws_url, header=[f"Authorization: Bearer {token}"], timeout=15,
                                         suppress_origin=True)
    except Exception as e:  # noqa: BLE001
        record("websocket connects with the bearer header", False, repr(e))
        return
    first = recv_until(ws, {"ready"})
    record("websocket connects with the bearer header", first[-1].get("type") == "ready",
           f"first frame {first[-1].get('type')}")

    for name, payload in [
        (f"ws frame [[[…]]] {depth} deep", deep_array(depth)),
        (f"ws frame {{\"a\":…}} {depth} deep", deep_object(depth)),
        (f"ws signal frame, data = object {depth} deep",
         '{"type":"signal","id":"deep-signal","call_id":"' + str(uuid.uuid4())
         + '","to_connection_id":"' + str(uuid.uuid4()) + '","data":' + deep_object(depth) + "}"),
    ]:
        try:
            ws.send(payload)
            got = recv_until(ws, {"error"})
        except Exception as e:  # noqa: BLE001
            record(name, False, f"socket failed: {e!r}")
            return
        last = got[-1]
        ok = last.get("type") == "error"
        detail = (f"error frame code={last.get('code')} reason={last.get('reason')} "
                  f"message={str(last.get('message'))[:100]}") if ok else f"got {str(last)[:200]}"
        record(name, ok, detail)
        ws.send(json.dumps({"type": "ping", "id": "after-deep"}))
        got = recv_until(ws, {"pong"})
        pong = got[-1]
        record(f"  then ping → pong on the same socket", pong.get("type") == "pong" and pong.get("id") == "after-deep",
               f"got {str(pong)[:120]}")
    ws.close()

    # before authentication: a deep first frame is not an auth frame
    try:
        ws = websocket.create_connection(ws_url, timeout=15, suppress_origin=True)
        ws.send(deep_array(depth))
        got = recv_until(ws, set())
        last = got[-1] if got else {}
        ok = last.get("type") == "<close>" and last.get("code") == 1008
        record(f"unauthenticated ws, first frame [[[…]]] {depth} deep", ok,
               f"close {last.get('code')} {last.get('reason')}" if last.get("type") == "<close>" else f"got {str(last)[:160]}")
        ws.close()
    except Exception as e:  # noqa: BLE001
        record(f"unauthenticated ws, first frame [[[…]]] {depth} deep", False, repr(e))

    s, b = http(base, "GET", "/api/v1/me", None, token)
    record("server still answers at the end (GET /me)", s == 200, f"HTTP {s}")


if __name__ == "__main__":
    main()
    passed = sum(results)
    print(f"deep-json-probe: {passed} passed, {len(results) - passed} failed")
    sys.exit(0 if results and all(results) else 1)
