"""A fake Twilio REST server on 127.0.0.1: creates and lists Messages like the 2010-04-01 API.

It keeps connections alive (HTTP/1.1) as Twilio's API does, so a client that reuses its
connections sends over one instead of opening a new one per request; ``connections`` counts
those it accepted.
"""
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeTwilio:
    """plan: what the next creates do, in order: "ok", "429", "500" (refuse), "500-kept" (store, then 500),
    or an error code such as 21610 (a 400 with that code). Afterwards every create is "ok"."""

    def __init__(self):
        self.plan: list = []
        self.creates: list[dict] = []  # every create request received
        self.stored: list[dict] = []  # messages Twilio holds
        self.connections = 0  # TCP connections accepted
        counting = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: every answer carries its Content-Length
            disable_nagle_algorithm = True  # headers and body are two writes: do not hold the body for an ACK

            def setup(self):
                super().setup()
                with counting:
                    fake.connections += 1

            def _json(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                fake.creates.append(form)
                step = fake.plan.pop(0) if fake.plan else "ok"
                message = {"sid": "SM" + uuid.uuid4().hex, "status": "queued", "to": form.get("To"),
                           "body": form.get("Body"), "date_sent": None, "account_sid": "AC" + "0" * 32}
                if step == "429":
                    return self._json(429, {"code": 20429, "message": "Too Many Requests", "status": 429})
                if step == "500":
                    return self._json(500, {"code": 20500, "message": "Internal Server Error", "status": 500})
                if step == "500-kept":
                    fake.stored.append(message)
                    return self._json(500, {"code": 20500, "message": "Internal Server Error", "status": 500})
                if isinstance(step, int):
                    return self._json(400, {"code": step, "message": f"error {step}", "status": 400})
                fake.stored.append(message)
                return self._json(201, message)

            def do_GET(self):
                to = parse_qs(urlsplit(self.path).query).get("To", [None])[0]
                found = [m for m in fake.stored if to is None or m["to"] == to]
                self._json(200, {"messages": found, "next_page_uri": None, "page": 0, "page_size": 50,
                                 "first_page_uri": self.path, "previous_page_uri": None, "uri": self.path})

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
