"""Limits every listener keeps, tested with raw sockets against the real binary: malformed HTTP
gets a 4xx answer, stalled connections are closed after their timeout (and busy ones are not),
running out of descriptors does not spin the accept loop, and request bodies still arriving hold
bounded memory."""
import email.utils
import gzip
import http.client
import json
import os
import resource
import socket
import time
import unittest
import urllib.parse
import zlib

from harness import Serverlite, app_path, memory_measuring_env, signed

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


class RequestLineAndDate(unittest.TestCase):
    def test_long_targets_get_414_and_every_answer_has_a_date(self):
        with Serverlite(app_path("demo")) as sl:
            for url in (sl.aws_url, sl.gateway_url):
                addr = address(url)
                # Over 16 KiB of target within the 64 KiB header, and one past the header limit
                # (the request line alone): both 414, and the connection closes.
                for length in (17 * 1024, 70000):
                    raw = b"GET /" + b"a" * length + b" HTTP/1.1\r\nHost: h\r\n\r\n"
                    got = exchange_to_eof(addr, raw)
                    self.assertTrue(got.startswith(b"HTTP/1.1 414 URI Too Long\r\n"), got[:100])
                    self.assertIn(b"\r\nConnection: close\r\n", got)
                # 16 KiB of target is still served.
                raw = b"GET /" + b"a" * (16 * 1024 - 1) + b" HTTP/1.1\r\nHost: h\r\n\r\n"
                got = exchange_to_eof(addr, raw.replace(b"Host: h", b"Host: h\r\nConnection: close"))
                self.assertFalse(got.startswith(b"HTTP/1.1 414"), got[:100])
                conn = http.client.HTTPConnection(*addr, timeout=10)
                conn.request("GET", "/_serverlite/health")
                res = conn.getresponse()
                res.read()
                date = res.getheader("Date")
                self.assertRegex(date, r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|"
                                       r"May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$")
                when = email.utils.parsedate_to_datetime(date)
                self.assertLess(abs(when.timestamp() - time.time()), 5)
                conn.close()


class ContentCodings(unittest.TestCase):
    """Compressed request bodies are decoded before the services read them; answers are
    gzip-compressed for clients that accept it (the AWS endpoint only)."""

    @classmethod
    def setUpClass(cls):
        cls.sl = Serverlite(app_path("demo")).__enter__()
        cls.addr = address(cls.sl.aws_url)

    @classmethod
    def tearDownClass(cls):
        cls.sl.__exit__(None, None, None)

    def post(self, body, headers):
        conn = http.client.HTTPConnection(*self.addr, timeout=30)
        conn.request("POST", "/", body, signed(headers))
        res = conn.getresponse()
        data = res.read()
        conn.close()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, data

    def json_headers(self, action, **extra):
        return {"X-Amz-Target": f"AmazonSQS.{action}",
                "Content-Type": "application/x-amz-json-1.0", **extra}

    def test_gzip_and_deflate_bodies_in_both_protocols(self):
        body = json.dumps({"QueueName": "zipped"}).encode()
        status, _, data = self.post(gzip.compress(body),
                                    self.json_headers("CreateQueue", **{"Content-Encoding": "gzip"}))
        self.assertEqual(status, 200, data)
        url = json.loads(data)["QueueUrl"]
        form = urllib.parse.urlencode({"Action": "SendMessage", "QueueUrl": url,
                                       "MessageBody": "deflated", "Version": "2012-11-05"})
        status, _, data = self.post(zlib.compress(form.encode()), {
            "Content-Type": "application/x-www-form-urlencoded", "Content-Encoding": "deflate"})
        self.assertEqual(status, 200, data)
        self.assertIn(b"<SendMessageResponse", data)
        status, _, data = self.post(gzip.compress(json.dumps({"QueueUrl": url}).encode()),
                                    self.json_headers("ReceiveMessage",
                                                      **{"Content-Encoding": "gzip"}))
        self.assertEqual(json.loads(data)["Messages"][0]["Body"], "deflated")

    def test_botocore_sending_gzip(self):
        sqs = self.sl.boto3_client("sqs")

        def compress(request, **_):  # before signing, so the signature covers what is sent
            body = request.body  # the form, encoded
            if body:
                request.data = gzip.compress(body.encode() if isinstance(body, str) else body)
                request.headers["Content-Encoding"] = "gzip"

        sqs.meta.events.register("before-sign.sqs.*", compress)
        url = sqs.create_queue(QueueName="boto-zipped")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="é" * 1000)
        got = sqs.receive_message(QueueUrl=url)["Messages"][0]
        self.assertEqual(got["Body"], "é" * 1000)

    def test_broken_oversized_and_unknown_codings_are_refused(self):
        status, headers, data = self.post(b"\x1f\x8b broken", self.json_headers(
            "ListQueues", **{"Content-Encoding": "gzip"}))
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(data)["__type"], "SerializationException")
        status, _, data = self.post(b"not deflate", {
            "Content-Type": "application/x-www-form-urlencoded", "Content-Encoding": "deflate"})
        self.assertEqual(status, 400)
        self.assertIn(b"<Code>MalformedQueryString</Code>", data)
        # 17 MiB of zeros are 17 KiB of gzip: decoding stops at the 16 MiB body limit.
        bomb = gzip.compress(b"0" * (17 * 1024 * 1024))
        self.assertLess(len(bomb), 100000)
        status, _, data = self.post(bomb, self.json_headers("ListQueues",
                                                            **{"Content-Encoding": "gzip"}))
        self.assertEqual(status, 413, data)
        status, _, data = self.post(b"{}", self.json_headers("ListQueues",
                                                             **{"Content-Encoding": "br"}))
        self.assertEqual(status, 415, data)
        status, _, _ = self.sl.request("GET", self.sl.aws_url + "/_serverlite/health")
        self.assertEqual(status, 200)

    def test_answers_are_gzipped_on_request(self):
        for i in range(60):
            self.post(json.dumps({"QueueName": f"listed-{i:03}"}).encode(),
                      self.json_headers("CreateQueue"))
        body = json.dumps({"QueueNamePrefix": "listed-"}).encode()
        status, headers, data = self.post(body, self.json_headers(
            "ListQueues", **{"Accept-Encoding": "gzip, deflate"}))
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("content-encoding"), "gzip")
        self.assertEqual(headers.get("content-length"), str(len(data)))
        self.assertEqual(len(json.loads(gzip.decompress(data))["QueueUrls"]), 60)
        # Not asked, or a small answer: plain.
        status, headers, data = self.post(body, self.json_headers("ListQueues"))
        self.assertNotIn("content-encoding", headers)
        self.assertEqual(len(json.loads(data)["QueueUrls"]), 60)
        status, headers, data = self.post(b"{}", self.json_headers(
            "GetQueueUrl", **{"Accept-Encoding": "gzip"}))
        self.assertNotIn("content-encoding", headers)
        # DynamoDB's x-amz-crc32 covers the bytes sent.
        items = [{"PutRequest": {"Item": {"k": {"S": f"{i}"}, "v": {"S": "x" * 100}}}}
                 for i in range(20)]
        self.post(json.dumps({"TableName": "zipped", "KeySchema": [{"AttributeName": "k",
                  "KeyType": "HASH"}], "AttributeDefinitions": [{"AttributeName": "k",
                  "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"}).encode(),
                  {"X-Amz-Target": "DynamoDB_20120810.CreateTable",
                   "Content-Type": "application/x-amz-json-1.0"})
        self.post(json.dumps({"RequestItems": {"zipped": items}}).encode(),
                  {"X-Amz-Target": "DynamoDB_20120810.BatchWriteItem",
                   "Content-Type": "application/x-amz-json-1.0"})
        status, headers, data = self.post(json.dumps({"TableName": "zipped"}).encode(), {
            "X-Amz-Target": "DynamoDB_20120810.Scan", "Content-Type": "application/x-amz-json-1.0",
            "Accept-Encoding": "gzip"})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("content-encoding"), "gzip")
        self.assertEqual(int(headers["x-amz-crc32"]), zlib.crc32(data))
        self.assertEqual(json.loads(gzip.decompress(data))["Count"], 20)


if __name__ == "__main__":
    unittest.main()
