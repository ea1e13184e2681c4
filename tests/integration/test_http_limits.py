"""Limits every listener keeps, tested with raw sockets against the real binary: malformed HTTP
gets a 4xx answer, stalled connections are closed after their timeout (and busy ones are not),
running out of descriptors does not spin the accept loop, and request bodies still arriving hold
bounded memory."""
import json
import os
import resource
import socket
import time
import unittest
import urllib.parse

from harness import Serverlite, app_path, memory_measuring_env

SHORT = ("--header-timeout", "0.5", "--body-timeout", "0.5", "--idle-timeout", "0.5")


def address(url):
    u = urllib.parse.urlparse(url)
    return u.hostname, u.port


def read_to_eof(sock):
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def exchange_to_eof(addr, raw, timeout=10):
    with socket.create_connection(addr, timeout=timeout) as s:
        s.sendall(raw)
        return read_to_eof(s)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


MALFORMED = [
    b"\x01\x02 not http\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET / HTTP/1.1 extra\r\nHost: h\r\n\r\n",
    b"GET / HTTP/7.q\r\nHost: h\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost h\r\n\r\n",
    b"GET / HTTP/1.1\r\nBad Name: v\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
    b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n",
]


class MalformedRequests(unittest.TestCase):
    def test_each_listener_answers_4xx_then_closes(self):
        with Serverlite(app_path("demo")) as sl:
            for url in (sl.aws_url, sl.gateway_url):
                addr = address(url)
                for raw in MALFORMED:
                    got = exchange_to_eof(addr, raw)
                    self.assertTrue(got.startswith(b"HTTP/1.1 400 Bad Request\r\n"), (raw, got))
                    self.assertIn(b"\r\nConnection: close\r\n", got)
                big_header = b"GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n"
                got = exchange_to_eof(addr, big_header)
                self.assertTrue(got.startswith(b"HTTP/1.1 431 "), got[:100])
                too_long = b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 16777217\r\n\r\n"
                got = exchange_to_eof(addr, too_long)
                self.assertTrue(got.startswith(b"HTTP/1.1 413 "), got[:100])
                self.assertIn(b"\r\nConnection: close\r\n", got)
            # And serverlite serves on.
            status, _, _ = sl.request("GET", sl.aws_url + "/_serverlite/health")
            self.assertEqual(status, 200)


class Timeouts(unittest.TestCase):
    def seconds_until_closed(self, addr, raw):
        with socket.create_connection(addr, timeout=10) as s:
            if raw:
                s.sendall(raw)
            begin = time.monotonic()
            got = read_to_eof(s)
            return time.monotonic() - begin, got

    def test_stalled_connections_are_closed_on_every_listener(self):
        stalls = {
            "nothing": b"",
            "half a header": b"GET /_serverlite/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Ha",
            "half a body": b"POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nab",
        }
        with Serverlite(app_path("demo"), *SHORT) as sl:
            for url in (sl.aws_url, sl.gateway_url):
                for what, raw in stalls.items():
                    took, got = self.seconds_until_closed(address(url), raw)
                    self.assertEqual(got, b"", (url, what))
                    self.assertGreaterEqual(took, 0.4, (url, what))
                    self.assertLess(took, 3.0, (url, what))
                # Idle after an answer: closed after the idle timeout, once answered.
                with socket.create_connection(address(url), timeout=10) as s:
                    s.sendall(b"GET /_serverlite/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    first = s.recv(65536)
                    begin = time.monotonic()
                    rest = read_to_eof(s)
                    took = time.monotonic() - begin
                self.assertTrue(first.startswith(b"HTTP/1.1 "), first)
                self.assertEqual(rest, b"")
                self.assertGreaterEqual(took, 0.4, url)
                self.assertLess(took, 3.0, url)

    def test_a_long_invocation_and_a_long_poll_are_not_cut(self):
        # The handler runs 0.9 s, past every timeout; between the two calls the worker's runtime
        # waits 1.5 s in GET /invocation/next, its long poll, which the idle timeout must not cut.
        with Serverlite(app_path("edge-cases"), *SHORT) as sl:
            url = sl.aws_url + "/2015-03-31/functions/edge-dev-slow/invocations"
            for _ in range(2):
                status, headers, body = sl.request("POST", url, json.dumps({"sleep": 0.9}))
                self.assertEqual(status, 200, body)
                self.assertNotIn("x-amz-function-error", headers, body)
                self.assertEqual(json.loads(body), {"slept": 0.9})
                time.sleep(1.5)
            # The Node runtime keeps its connection to the Runtime API alive between requests:
            # once the idle timeout closed it, it connects again.
            url = sl.aws_url + "/2015-03-31/functions/edge-dev-ctx/invocations"
            for _ in range(2):
                status, headers, body = sl.request("POST", url, "{}")
                self.assertEqual(status, 200, body)
                self.assertNotIn("x-amz-function-error", headers, body)
                self.assertEqual(json.loads(body)["context"]["functionName"], "edge-dev-ctx")
                time.sleep(1.5)


class OutOfDescriptors(unittest.TestCase):
    def test_accept_backs_off_instead_of_spinning_and_recovers(self):
        limit = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))
        with Serverlite(app_path("demo"), preexec_fn=limit) as sl:
            pid = sl.proc.pid
            addr = address(sl.aws_url)
            # More connections than descriptors: the kernel completes them all (the backlog is
            # long); serverlite accepts until it nears the limit (or accept fails with EMFILE),
            # and the rest wait in the backlog.
            held = [socket.create_connection(addr, timeout=10) for _ in range(200)]
            try:
                self.assertTrue(sl.wait_for_log(lambda l: "wait until some close" in l,
                                                timeout=10), sl.stderr())
                time.sleep(0.2)
                before = cpu_seconds(pid)
                time.sleep(2)
                used = cpu_seconds(pid) - before
                print(f"\n  CPU while out of descriptors: {used:.2f} s in 2 s")
                self.assertLess(used, 0.3)
            finally:
                for s in held:
                    s.close()
            deadline = time.monotonic() + 10
            status = None
            while time.monotonic() < deadline:
                try:
                    status, _, _ = sl.request("GET", sl.aws_url + "/_serverlite/health",
                                              timeout=2)
                    break
                except OSError:
                    time.sleep(0.1)
            self.assertEqual(status, 200)
            self.assertTrue(sl.wait_for_log(lambda l: "accepting connections again" in l))
            self.assertEqual(
                sum("wait until some close" in l for l in sl.stderr().splitlines()), 1)


class BodyMemory(unittest.TestCase):
    def test_half_sent_bodies_hold_bounded_memory(self):
        with Serverlite(app_path("demo"), env=memory_measuring_env()) as sl:
            pid = sl.proc.pid
            addr = address(sl.aws_url)
            status, _, _ = sl.request("GET", sl.aws_url + "/_serverlite/health")
            self.assertEqual(status, 200)
            before = rss_mib(pid)
            head = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Type: application/x-amz-json-1.0\r\n"
                    b"X-Amz-Target: DynamoDB_20120810.ListTables\r\n"
                    b"Content-Length: 16777216\r\n\r\n")
            half = b"x" * (8 * 1024 * 1024)
            held, refused = [], 0
            try:
                for _ in range(50):
                    s = socket.create_connection(addr, timeout=30)
                    held.append(s)
                    try:
                        s.sendall(head + half)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                time.sleep(1)
                after = rss_mib(pid)
                for s in held:
                    s.setblocking(False)
                    try:
                        if s.recv(100).startswith(b"HTTP/1.1 503 "):
                            refused += 1
                    except (BlockingIOError, ConnectionResetError):
                        pass
                print(f"\n  RSS {before:.0f} MiB -> {after:.0f} MiB with 50 half-sent 16 MiB "
                      f"bodies; {refused} answered 503")
                # The budget is 128 MiB of body capacity; allow for the allocator's slack.
                self.assertLess(after - before, 160)
                self.assertGreater(refused, 30)
                status, _, _ = sl.request("GET", sl.aws_url + "/_serverlite/health")
                self.assertEqual(status, 200)
            finally:
                for s in held:
                    s.close()


if __name__ == "__main__":
    unittest.main()
