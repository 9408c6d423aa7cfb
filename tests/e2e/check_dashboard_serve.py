"""The dashboard listener of a real `serve` process: started with
--dashboard-listen 127.0.0.1:0 and --web-dir pointing at a built dashboard (a temp
dir here), its port serves the dashboard's files (index.html, hashed assets with
long-lived caching, gzip, client-side routes, 404 for a missing asset, no way out
of the directory) and, on the same origin, the API: /api/v1/sessions lists the
session a hook event started, /api/v1/status reports, /healthz names the port. The
port file and the start-up line name it too. Without a build, the pages answer 503
and the API still works; with --auth-token the files need no token and the API does."""
import argparse
import gzip
import http.client
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import check, finish  # noqa: E402
from serve_support import serving  # noqa: E402

INDEX = "<!doctype html><html><head><script type=module src=/assets/index-4f3a2c1b.js></script>" \
        "</head><body><div id=app></div></body></html>\n"
SCRIPT = "".join(f"export const v{i} = {i};\n" for i in range(400))


def get(port, path, headers=None, method="GET"):
    """(status, headers with lower-cased names, body bytes) of one request."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def raw_get(port, target):
    """A request line sent exactly as written (http.client would not send ../ as is)."""
    import socket
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def post_hook(server, session):
    return server.post([{"session_id": session, "hook_event_name": "UserPromptSubmit",
                         "prompt": "hello", "cwd": "/work/dash",
                         "transcript_path": "/nonexistent/" + session + ".jsonl"}])


def web_dir(root):
    os.makedirs(os.path.join(root, "assets"), exist_ok=True)
    with open(os.path.join(root, "index.html"), "w") as f:
        f.write(INDEX)
    with open(os.path.join(root, "assets", "index-4f3a2c1b.js"), "w") as f:
        f.write(SCRIPT)
    with open(os.path.join(os.path.dirname(root.rstrip("/")), "outside.txt"), "w") as f:
        f.write("outside the web dir")
    return root


def check_built(binary, tmp):
    web = web_dir(os.path.join(tmp, "web"))
    with serving(binary, "agent-trace-dashboard-", "--dashboard-listen", "127.0.0.1:0",
                 "--web-dir", web, "--no-import") as (server, data_dir):
        port = server.dashboard_port
        check(isinstance(port, int) and port > 0, f"port file has a dashboard port: {port}")
        with open(os.path.join(data_dir, "serve.json")) as f:
            info = json.load(f)
        check(info.get("dashboard") == port and info.get("dashboard_url") ==
              f"http://127.0.0.1:{port}/", f"serve.json names the dashboard: {info}")
        check(f"agent-trace serve: dashboard on http://127.0.0.1:{port}/" in server.log(),
              "serve prints the dashboard URL at start")

        status, headers, body = get(port, "/")
        check(status == 200 and body.decode() == INDEX, f"/ is index.html: {status}")
        check(headers.get("content-type") == "text/html; charset=utf-8", f"html type: {headers}")
        check(headers.get("cache-control") == "no-cache", f"index is revalidated: {headers}")
        check("default-src 'self'" in headers.get("content-security-policy", ""), "CSP on HTML")
        check(headers.get("x-content-type-options") == "nosniff", "nosniff")
        status, _, body = get(port, "/sessions/some-session-id")
        check(status == 200 and body.decode() == INDEX, f"client-side route -> index.html: {status}")

        status, headers, body = get(port, "/assets/index-4f3a2c1b.js", {"Accept-Encoding": "gzip"})
        check(status == 200, f"asset: {status}")
        check(headers.get("content-encoding") == "gzip" and gzip.decompress(body).decode() == SCRIPT,
              f"asset gzipped for a client that accepts it: {headers}")
        check(headers.get("cache-control") == "public, max-age=31536000, immutable",
              f"hashed asset cached for good: {headers}")
        check(headers.get("content-type") == "text/javascript; charset=utf-8", "js type")
        status, _, body = get(port, "/assets/index-4f3a2c1b.js",
                              {"If-None-Match": headers.get("etag", "")})
        check(status == 304 and body == b"", f"If-None-Match -> 304: {status}")
        check(get(port, "/assets/index-00000000.js")[0] == 404, "a missing asset is a 404")
        for target in ("/../outside.txt", "/%2e%2e/outside.txt", "/assets/..%2f..%2foutside.txt"):
            status, body = raw_get(port, target)
            check(b"outside the web dir" not in body and status == 404,
                  f"{target} stays inside the web dir: {status}")

        # The API on the same origin.
        status, _ = post_hook(server, "sess-dash-1")
        check(status == 200, f"hook accepted: {status}")

        def listed():
            code, _, body = get(port, "/api/v1/sessions")
            return code == 200 and any(s["session_id"] == "sess-dash-1"
                                       for s in json.loads(body)["sessions"])
        check(server.wait_for(listed), "/api/v1/sessions on the dashboard port lists the session")
        status, headers, body = get(port, "/api/v1/sessions?include_total=true")
        check(status == 200 and json.loads(body).get("total") == 1, f"total: {body[:200]}")
        status, _, body = get(server.api_port, "/api/v1/sessions")
        check(status == 200 and "sess-dash-1" in body.decode(), "the API port answers the same")
        status, _, body = get(port, "/api/v1/status")
        report = json.loads(body) if status == 200 else {}
        check(status == 200 and "active_sessions" in report and "problems" in report,
              f"/api/v1/status: {status} {body[:200]}")
        check(report.get("active_sessions", {}).get("session_ids") == ["sess-dash-1"],
              f"the session is live: {report.get('active_sessions')}")
        check(report.get("server", {}).get("health", {}).get("listen", {}).get("dashboard") ==
              f"127.0.0.1:{port}", "the status report's health names the dashboard")
        health = json.loads(get(port, "/healthz")[2])
        check(health["listen"].get("dashboard") == f"127.0.0.1:{port}", f"healthz: {health['listen']}")
        check(health.get("dashboard", {}).get("available") is True, f"{health.get('dashboard')}")
        code, _, body = get(port, "/api/v1/nothing")
        check(code == 404 and b'"not_found"' in body, f"unknown API path is the API's 404: {body}")
        code, _, _ = get(port, "/metrics")
        check(code == 200, "/metrics on the dashboard port")


def check_not_built(binary, tmp):
    empty = os.path.join(tmp, "empty-web")
    os.makedirs(empty)
    with serving(binary, "agent-trace-dashboard-", "--web-dir", empty, "--no-import") as (server, _):
        port = server.dashboard_port
        status, headers, body = get(port, "/")
        check(status == 503 and b"make build" in body and b"--web-dir" in body,
              f"no build: 503 saying how to build it: {status}")
        check(get(port, "/api/v1/sessions")[0] == 200, "no build: the API still answers")


def check_token(binary, tmp):
    web = web_dir(os.path.join(tmp, "web-token"))
    with serving(binary, "agent-trace-dashboard-", "--web-dir", web, "--no-import",
                 "--auth-token", "e2e-secret") as (server, _):
        port = server.dashboard_port
        check(get(port, "/")[0] == 200, "files need no token")
        check(get(port, "/api/v1/sessions")[0] == 401, "the API needs the token")
        check(get(port, "/api/v1/sessions", {"Authorization": "Bearer e2e-secret"})[0] == 200,
              "the API with the token")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        conn.request("GET", "/api/v1/stream?access_token=e2e-secret")
        response = conn.getresponse()
        check(response.status == 200 and
              response.getheader("Content-Type", "").startswith("text/event-stream"),
              f"the stream takes ?access_token=: {response.status}")
        conn.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="agent-trace-dashboard-web-") as tmp:
        check_built(args.bin, tmp)
        check_not_built(args.bin, tmp)
        check_token(args.bin, tmp)
    finish("dashboard_serve")


if __name__ == "__main__":
    main()
