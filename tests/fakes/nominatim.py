"""A fake Nominatim on 127.0.0.1: answers /search like the real one, from a fixed gazetteer."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeNominatim:
    def __init__(self, places: dict[str, tuple[float, float, str]]):
        self.places = {k.lower(): v for k, v in places.items()}
        self.requests: list[str] = []
        self.fail_with: int | None = None
        self.delay = 0.0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                query = parse_qs(urlsplit(self.path).query).get("q", [""])[0]
                fake.requests.append(query)
                if fake.delay:
                    time.sleep(fake.delay)
                if fake.fail_with:
                    self.send_response(fake.fail_with)
                    self.end_headers()
                    return
                hit = fake.places.get(query.lower())
                body = [] if hit is None else [{"lat": str(hit[0]), "lon": str(hit[1]), "display_name": hit[2]}]
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
