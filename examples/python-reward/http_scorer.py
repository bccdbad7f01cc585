#!/usr/bin/python3
"""An HTTP scorer in the grpo format, standard library only: 'has_digit' scores 1 when a
completion contains a digit.

Run:  /usr/bin/python3 http_scorer.py 9000
Spec: {"name": "has_digit", "weight": 0.2,
       "external": {"via": "http", "url": "http://127.0.0.1:9000/score", "timeoutMillis": 5000}}
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def score(prompt, completion):
    return (1.0, "has a digit") if any(ch.isdigit() for ch in completion) else (0.0, "no digit")


class Scorer(BaseHTTPRequestHandler):
    def do_POST(self):
        group = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        scored = [score(group["prompt"], c) for c in group["completions"]]
        body = json.dumps({"scores": [s for s, _ in scored], "reasons": [r for _, r in scored]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    print("http scorer on 127.0.0.1:%d" % port, flush=True)
    ThreadingHTTPServer(("127.0.0.1", port), Scorer).serve_forever()
