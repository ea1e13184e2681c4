#!/usr/bin/python3
"""A stand-in for `serverlite up` with known faults, so that the tests can check that
scripts/fuzz finds what it must: it prints the ready line, serves both ports, and

  - answers 500 to every SQS request in the JSON protocol (X-Amz-Target: AmazonSQS.*),
  - dies of SIGSEGV on any Kinesis PutRecord (X-Amz-Target: Kinesis_20131202.PutRecord),
  - answers 400 {"message": "fake"} to everything else (health: 200).
"""
import ctypes
import http.server
import signal
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body=b'{"message":"fake"}'):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        length = self.headers.get("Content-Length", "0")
        try:
            self.rfile.read(max(0, min(int(length), 1 << 24)))
        except ValueError:
            pass
        target = self.headers.get("X-Amz-Target", "")
        if self.path == "/_serverlite/health":
            return self.answer(200, b'{"status":"ready"}')
        if target == "Kinesis_20131202.PutRecord":
            sys.stderr.write("fake: PutRecord, crashing\n")
            sys.stderr.flush()
            ctypes.string_at(0)  # a real SIGSEGV, in this thread, at once
        if target.startswith("AmazonSQS."):
            return self.answer(500, b'{"__type":"InternalFailure"}')
        return self.answer(400)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = handle_any


def main():
    servers = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler) for _ in range(2)]
    for s in servers:
        s.daemon_threads = True
        threading.Thread(target=s.serve_forever, daemon=True).start()
    aws, gateway = (s.server_address[1] for s in servers)
    print(f"serverlite ready aws=http://127.0.0.1:{aws} gateway=http://127.0.0.1:{gateway} "
          f"functions=0 startup_ms=1", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    main()
