"""The seed requests of scripts/fuzz and what it does to them: every choice is drawn from one
random.Random, so a seed number gives the same sequence of cases each run."""
import base64
import copy
import glob
import json
import os
import struct

import wire
from wire import Deep, Pairs, Raw, Tag

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "seeds")


class Seed:
    def __init__(self, service, spec, entry):
        self.service = service
        self.port = spec["port"]
        self.protocol = spec["protocol"]
        self.op = entry.get("op") or dict(entry.get("form", [])).get("Action", "?")
        self.weight = entry.get("weight", 1.0)
        self.method = entry.get("method", "POST")
        self.path = entry.get("path", "/")
        self.headers = [tuple(h) for h in entry.get("headers", [])]
        if spec.get("content_type"):
            self.headers.append(("Content-Type", spec["content_type"]))
        if spec.get("target_prefix"):
            self.headers.append(("X-Amz-Target", spec["target_prefix"] + self.op))
        # AWS APIs are signed, as SDKs sign them (the emulator checks the header's form; the
        # fuzzer's "headers" mutations still drop or garble it).
        if (self.port == "aws" and not self.path.startswith("/_")
                and not any(n.lower() == "authorization" for n, _ in self.headers)):
            scope = {"dynamodb-streams": "dynamodb", "sqs-json": "sqs", "sqs-query": "sqs",
                     "kinesis-cbor": "kinesis"}.get(service, service)
            self.headers += [("X-Amz-Date", "20260101T000000Z"),
                             ("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/"
                              f"us-east-1/{scope}/aws4_request, SignedHeaders=host;x-amz-date, "
                              "Signature=" + "0" * 64)]
        self.body = _from_seed_json(entry["form"] if "form" in entry else entry.get("body", ""))


def _from_seed_json(v):
    """{"$bytes": base64} is a CBOR byte string, {"$tag1": ms} a CBOR timestamp."""
    if isinstance(v, dict):
        if set(v) == {"$bytes"}:
            return base64.b64decode(v["$bytes"])
        if set(v) == {"$tag1"}:
            return Tag(1, v["$tag1"])
        return {k: _from_seed_json(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_from_seed_json(x) for x in v]
    return v


def load_seeds(services=None):
    seeds = []
    for path in sorted(glob.glob(os.path.join(SEEDS, "*.json"))):
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
        if services and spec["service"] not in services:
            continue
        seeds += [Seed(spec["service"], spec, e) for e in spec["requests"]]
    return seeds


def substitute(v, values):
    """The seed with ${NAME} replaced by what the running server told (ports, ARNs, iterators)."""
    if isinstance(v, str):
        for k, x in values.items():
            v = v.replace("${" + k + "}", x)
        return v
    if isinstance(v, dict):
        return {k: substitute(x, values) for k, x in v.items()}
    if isinstance(v, list):
        return [substitute(x, values) for x in v]
    if isinstance(v, tuple):
        return tuple(substitute(x, values) for x in v)
    return v


class Case:
    """One thing sent: the bytes (in chunks, with a pause before each but the first), whether the
    write side is closed after, how many answers a well-behaved server owes, and what was done."""
    def __init__(self, seed, port, chunks, pauses, expect, mutations, h2=False, half_close=True,
                 reset=False):
        self.service, self.op, self.port = seed.service, seed.op, port
        self.chunks, self.pauses, self.expect = chunks, pauses, expect
        self.mutations, self.h2, self.half_close, self.reset = mutations, h2, half_close, reset

    @property
    def raw(self):
        return b"".join(self.chunks)


SPECIAL_STRINGS = ["", " ", "%s%n%x", "../../../../etc/passwd", "\u0000", "\ud800", "\uffff",
                   "' OR 1=1 --", "\" OR \"\"=\"", "${env:HOME}", "arn:aws:", "*", "-", ".",
                   "SELECT * FROM \"fuzz-items\"", "#a = :a", ":a", "#", "attribute_exists(",
                   "size(size(size(a)))", "a.b[0].c[99999999999999999999]", "shardId-", "1e400",
                   "-0", "NaN", "9" * 60, "00000000000000000000000001", "\u202e\u0301\U0001F600",
                   "TRIM_HORIZON", "LATEST", "ALL_NEW", "$LATEST", "fuzz-dev-api", "fuzz-queue"]
SPECIAL_NUMBERS = [0, -1, 1, -2 ** 31, 2 ** 31, 2 ** 32, 2 ** 53 + 1, 2 ** 63 - 1, 2 ** 63,
                   -2 ** 63, -2 ** 63 - 1, 2 ** 64, 2 ** 64 + 1, 10 ** 40, -10 ** 40, 0.5, -0.0,
                   1e308, -1e-308, float("nan"), float("inf")]
RAW_JSON_NUMBERS = [b"1e999999", b"-1e-999999", b"1" * 400, b"-" + b"9" * 5000, b"0.0000000001",
                    b"01", b"-", b"1.", b".5", b"+1", b"0x10", b"1e", b"NaN", b"Infinity"]
BAD_UTF8 = [b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf",
            b"\xe2\x82", b"\x80", b"\xf8\x88\x80\x80\x80"]
FIELD_NAMES = ["TableName", "Key", "Item", "S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL",
               "BOOL", "QueueUrl", "StreamName", "StreamARN", "ShardIterator", "Limit",
               "ExpressionAttributeValues", "ExpressionAttributeNames", "Statement",
               "Parameters", "Records", "Data", "PartitionKey", "Entries", "Id", "MessageBody",
               "RequestItems", "TransactItems", "IndexName", "NextToken", "__type"]
# What a mutation may grow a body to (a long string alone may be 7 MiB, past every limit).
MAX_BODY = 8 * 1024 * 1024
DEPTHS = [31, 32, 33, 100, 1000, 5000, 12000, 50000]
DDB_TARGETS = ["DynamoDB_20120810.", "DynamoDBStreams_20120810.", "Kinesis_20131202.",
               "AmazonSQS.", "DynamoDB_20120810.Nope", "Kinesis_20131202.", ".", ""]
CONTENT_TYPES = [b"application/x-amz-json-1.0", b"application/x-amz-json-1.1",
                 b"application/x-amz-cbor-1.1", b"application/x-www-form-urlencoded",
                 b"application/json", b"text/plain", b"", b"multipart/form-data; boundary=x",
                 b"application/x-amz-json-1.0; charset=\xff"]


class Mutator:
    def __init__(self, rng):
        self.rng = rng

    def chance(self, p):
        return self.rng.random() < p

    # --- values ---------------------------------------------------------------------------------

    def value(self, protocol):
        r = self.rng
        kind = r.randrange(8)
        if kind == 0:
            return r.choice(SPECIAL_STRINGS)
        if kind == 1:
            return r.choice(SPECIAL_NUMBERS)
        if kind == 2:
            return self.long_string()
        if kind == 3:
            return r.choice([None, True, False, [], {}, "", [None], {"": ""}])
        if kind == 4:
            return self.bad_utf8(protocol)
        if kind == 5:
            return {r.choice(FIELD_NAMES): self.value(protocol) if r.random() < 0.3 else "x"}
        if kind == 6 and protocol == "cbor":
            return r.choice([b"\x00" * r.choice([0, 1, 100000]), Tag(1, r.choice([-1, 2 ** 64 - 1,
                             "x", 1.5])), Tag(r.randrange(0, 300), "x"), Raw(b"\xf7"),
                             Raw(b"\xf8\xff"), Raw(b"\xf9\x7e\x00")])
        if kind == 6:
            return Raw(r.choice(RAW_JSON_NUMBERS))
        return self.deep(protocol)

    def long_string(self):
        n = self.rng.choice([256, 1025, 2049, 65537, 262145, 409601, 1048577])
        if self.chance(0.02):
            n = 7 * 1024 * 1024
        return self.rng.choice("aZ9(#:%") * n

    def bad_utf8(self, protocol):
        bad = self.rng.choice(BAD_UTF8)
        if protocol == "cbor":
            text = b"a" + bad + b"z"
            return Raw(wire._cbor_head(3, len(text)) + text)
        return Raw(b'"a' + bad + b'z"')

    def deep(self, protocol):
        r = self.rng
        depth = r.choice(DEPTHS)
        if protocol == "cbor":
            return r.choice([Deep(b"\x81", b"", depth, 1), Deep(b"\xa1\x61a", b"", depth, 1),
                             Deep(b"\x9f", b"\xff", depth, 1), Deep(b"\xc1", b"", depth, 1),
                             Deep(b"\xbf\x61a", b"\xff", depth, None)])
        return r.choice([Deep(b'{"M":{"a":', b"}}", depth, {"S": "x"}),
                         Deep(b'{"L":[', b"]}", depth, {"N": "1"}),
                         Deep(b"[", b"]", depth, 1), Deep(b'{"a":', b"}", depth, None),
                         Deep(b'{"M":{"a":', b"}}", depth, Raw(b'{"M":{"a":'))])

    def expression_string(self):
        r = self.rng
        n = r.choice([50, 1000, 10000, 100000])
        return r.choice(["(" * n + "a = :a" + ")" * n, "NOT " * n + "a = :a",
                         "a." * n + "b", "a[0]" * n, "size(" * n + "a" + ")" * n,
                         "a = :a AND " * n + "b = :b", "SELECT * FROM \"fuzz-items\" WHERE " +
                         "(" * n + "pk = 'a'" + ")" * n, "[" * n + "]" * n, "{" * n, "'" * n,
                         "#" + "n" * n])

    # --- structures ---------------------------------------------------------------------------

    def paths(self, v, path=()):
        out = [path]
        if isinstance(v, dict):
            for k, x in v.items():
                out += self.paths(x, path + (k,))
        elif isinstance(v, list):
            for i, x in enumerate(v):
                out += self.paths(x, path + (i,))
        return out

    @staticmethod
    def get(v, path):
        for p in path:
            v = v[p]
        return v

    @staticmethod
    def put(root, path, new):
        if not path:
            return new
        Mutator.get(root, path[:-1])[path[-1]] = new
        return root

    def mutate_structure(self, body, protocol, others):
        """One change somewhere in a JSON or CBOR body; returns (body, what was done)."""
        r = self.rng
        body = copy.deepcopy(body)
        paths = self.paths(body)
        path = r.choice(paths)
        node = self.get(body, path)
        parent = self.get(body, path[:-1]) if path else None
        op = r.choice(["delete", "duplicate", "retype", "number", "string", "deep", "insert",
                       "splice", "grow", "rename", "expression"])
        if op == "delete" and path:
            del parent[path[-1]]
        elif op == "duplicate" and path and isinstance(parent, dict):
            pairs = list(parent.items()) + [(path[-1], self.value(protocol))]
            body = self.put(body, path[:-1], Pairs(pairs))
        elif op == "number":
            body = self.put(body, path, r.choice(SPECIAL_NUMBERS) if protocol == "cbor" or
                            self.chance(0.5) else Raw(r.choice(RAW_JSON_NUMBERS)))
        elif op == "string":
            body = self.put(body, path, r.choice([self.long_string(), self.bad_utf8(protocol),
                                                  r.choice(SPECIAL_STRINGS)]))
        elif op == "deep":
            body = self.put(body, path, self.deep(protocol))
        elif op == "insert" and isinstance(node, dict):
            node[r.choice(FIELD_NAMES + ["x" * 300])] = self.value(protocol)
        elif op == "insert" and isinstance(node, list):
            node.insert(r.randrange(len(node) + 1), self.value(protocol))
        elif op == "splice" and others:
            donor = r.choice(others)
            body = self.put(body, path, copy.deepcopy(self.get(donor, r.choice(self.paths(donor)))))
        elif op == "grow" and isinstance(node, list) and node:
            item = r.choice(node)
            n = r.choice([10, 26, 101, 1001, 10001])
            # Encoded once: the copies are one value (a later mutation cannot reach into them).
            item = Raw(wire.encode_cbor(item) if protocol == "cbor" else wire.encode_json(item))
            node.extend([item] * max(1, min(n, MAX_BODY // max(len(item.data), 1))))
        elif op == "rename" and path and isinstance(parent, dict):
            new = r.choice(FIELD_NAMES + ["", "__proto__", "x" * 70000])
            parent[new] = parent.pop(path[-1])
        elif op == "expression":
            body = self.put(body, path, self.expression_string())
        else:
            op = "retype"
            body = self.put(body, path, self.value(protocol))
        return body, f"{op}@{'/'.join(map(str, path))[:80]}"

    def mutate_form(self, pairs):
        r = self.rng
        pairs = list(pairs)
        op = r.choice(["delete", "duplicate", "value", "rawvalue", "key", "many", "action"])
        i = r.randrange(len(pairs)) if pairs else 0
        if op == "delete" and pairs:
            pairs.pop(i)
        elif op == "duplicate" and pairs:
            pairs.insert(i, (pairs[i][0], r.choice(SPECIAL_STRINGS)))
        elif op == "rawvalue" and pairs:
            pairs[i] = (pairs[i][0], Raw(r.choice([b"%", b"%zz", b"%ff%fe", b"%C3%28", b"%00",
                                                   b"a&&&=b", b"=", b"%E2%82"])))
        elif op == "key" and pairs:
            key = r.choice(["MessageAttribute.99999999999999999999.Name", "Attribute.-1.Name",
                            "Attribute.0.Value", "AttributeName.1", "Tag.1.Key", "x" * 5000,
                            "SendMessageBatchRequestEntry.18446744073709551617.Id", "", ".",
                            "MessageAttribute.1.Value.BinaryListValue.1"])
            pairs.insert(i, (key, pairs[i][1]))
        elif op == "many":
            pairs += [(f"MessageAttribute.{n}.Name", "a") for n in range(r.choice([11, 1000, 20000]))]
        elif op == "action":
            pairs.insert(0, ("Action", r.choice(["CreateQueue", "DeleteQueue", "Nope", "",
                                                 "SendMessage\xff", "ListQueues"])))
        else:
            op = "value"
            if pairs:
                pairs[i] = (pairs[i][0], self.value("query") if self.chance(0.3) else
                            self.long_string())
        if any(isinstance(v, (Deep, Tag, Pairs, dict, list)) for _, v in pairs):
            pairs = [(k, v if isinstance(v, (str, Raw)) else json.dumps(str(v)[:100]))
                     for k, v in pairs]
        return pairs, "form-" + op

    def mutate_bytes(self, data):
        r = self.rng
        data = bytearray(data)
        op = r.choice(["flip", "insert", "delete", "dup", "truncate", "special"])
        at = r.randrange(len(data) + 1)
        if op == "flip" and data:
            for _ in range(r.choice([1, 1, 2, 8])):
                data[r.randrange(len(data))] ^= 1 << r.randrange(8)
        elif op == "insert":
            data[at:at] = bytes(r.randrange(256) for _ in range(r.choice([1, 4, 16])))
        elif op == "delete" and data:
            del data[at:at + r.choice([1, 2, 16, 100])]
        elif op == "dup" and data:
            piece = data[at:at + r.choice([1, 16, 1000])]
            data[at:at] = piece * min(r.choice([2, 100]), MAX_BODY // max(len(data), 1) + 1)
        elif op == "truncate":
            del data[at:]
        else:
            op = "special"
            data[at:at] = r.choice([b"\x00", b"\xff", b'"', b"\\", b"\\u", b"\\ud800", b"{",
                                    b"[", b"]}", b",", b":", b"\x9f", b"\xff\xff", b"\x5b" * 100])
        return bytes(data), "bytes-" + op

    # --- HTTP -----------------------------------------------------------------------------------

    def mutate_target(self, path):
        r = self.rng
        op = r.choice(["segment", "query", "long", "raw", "absolute", "dots"])
        segments = path.split("?")[0].split("/")
        query = path.split("?", 1)[1] if "?" in path else ""
        if op == "segment" and len(segments) > 1:
            i = r.randrange(1, len(segments))
            segments[i] = r.choice(["%FF", "%C3%28", "%", "%%", "%00", "%2F", "x" * 10000, "..",
                                    "", "%E2%82", "a%ZZb", "%F0%9F%98%80", "%ED%A0%80"])
        elif op == "query":
            extra = r.choice(["Qualifier=%FF", "Qualifier=%C3%28", "Marker=%FF%FE", "MaxItems=-1",
                              "MaxItems=99999999999999999999", "Qualifier=", "a", "=", "&&",
                              "Qualifier=1&Qualifier=2", "x=%", "FunctionVersion=%00"])
            query = query + "&" + extra if query else extra
        elif op == "long":
            segments.append("a" * r.choice([1000, 70000]))
        elif op == "dots":
            segments[1:1] = ["..", "."]
        target = "/".join(segments) + ("?" + query if query else "")
        target = target.encode("utf-8", "surrogatepass")
        if op == "raw":
            target += r.choice([b"\xff\xfe", b"\x00", b" x", b"\t", b"#frag", b"\x7f"])
        elif op == "absolute":
            target = r.choice([b"http://127.0.0.1", b"http://evil.example", b"//x"]) + target
        return target, "target-" + op

    def mutate_headers(self, headers):
        """headers: list of (name, value) bytes, changed in place."""
        r = self.rng
        op = r.choice(["drop", "duplicate", "value", "target", "ctype", "add", "garbage", "many"])
        i = r.randrange(len(headers)) if headers else 0
        if op == "drop" and headers:
            headers.pop(i)
        elif op == "duplicate" and headers:
            headers.insert(i, (headers[i][0], r.choice([headers[i][1], b"other", b""])))
        elif op == "value" and headers:
            headers[i] = (headers[i][0], r.choice([b"", b"x" * 10000, b"x" * 70000,
                                                   b"\xff\xfe", b"a\x00b", b"%FF", b"\x7f",
                                                   b"\xc3\x28", b" leading", b"a\rb"]))
        elif op == "target":
            bad = r.choice(DDB_TARGETS).encode() + r.choice([b"", b"\xff", b"PutItem",
                                                              b"GetRecords", b"x" * 300])
            headers[:] = [h for h in headers if (h[0] or b"").lower() != b"x-amz-target"]
            headers.append((b"X-Amz-Target", bad))
        elif op == "ctype":
            headers[:] = [h for h in headers if (h[0] or b"").lower() != b"content-type"]
            headers.append((b"Content-Type", r.choice(CONTENT_TYPES)))
        elif op == "add":
            headers.append(r.choice([
                (b"X-Amz-Invocation-Type", r.choice([b"Event", b"DryRun", b"\xff", b"Nope"])),
                (b"X-Amz-Log-Type", r.choice([b"Tail", b"None", b"\xc3\x28"])),
                (b"X-Amz-Client-Context", r.choice([b"!!!", base64.b64encode(b"not json"),
                                                    base64.b64encode(b"{" * 5000), b"A" * 5000])),
                (b"Authorization", b"AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/" +
                 r.choice([b"sqs", b"kinesis", b"dynamodb", b"\xff", b""]) +
                 b"/aws4_request, SignedHeaders=host, Signature=00"),
                (b"Expect", b"100-continue"), (b"Connection", r.choice([b"close", b"Upgrade"])),
                (b"Upgrade", b"h2c"), (b"HTTP2-Settings", b"AAMAAABkAARAAAAAAAIAAAAA"),
                (b"Origin", r.choice([b"http://evil.example", b"null", b"\xff"])),
                (b"Host", r.choice([b"evil.example", b"", b"localhost", b"[::1]:1", b"\xff"])),
                (b"Content-Encoding", b"gzip"), (b"X-Amz-Date", b"\xff"),
                (b"Lambda-Runtime-Function-Error-Type", b"\xff" * 10)]))
        elif op == "many":
            if self.chance(0.5):
                headers += [(b"X-H%d" % n, b"v") for n in range(r.choice([100, 1000, 5000]))]
            else:  # as many as the 64 KiB of a head holds
                headers += [(b"a", b"")] * r.choice([15000, 17000])
        else:
            op = "garbage"
            headers.insert(i, (None, r.choice([b"NoColon", b"Bad Name: x", b" folded", b":x",
                                               b"\x00: x", b"X-\xff: y", b"a:\rb"])))
        return "header-" + op

    def framing(self, headers, body):
        """Content-Length and Transfer-Encoding, sometimes wrong. Returns (headers, body, name)."""
        r = self.rng
        n = len(body)
        op = r.choice(["none", "plus", "minus", "bad", "two", "chunked", "badchunked", "both"])
        if op == "none":
            return headers, body, "cl-none"
        if op == "plus":
            return headers + [(b"Content-Length", b"%d" % (n + r.choice([1, 100, 2 ** 40])))], \
                body, "cl-plus"
        if op == "minus" and n:
            return headers + [(b"Content-Length", b"%d" % r.randrange(n))], body, "cl-minus"
        if op == "bad":
            return headers + [(b"Content-Length", r.choice([b"-1", b"99999999999999999999999",
                                                            b"1x", b"", b"+5", b"0x10", b" 5",
                                                            b"\xff"]))], body, "cl-bad"
        if op == "two":
            return headers + [(b"Content-Length", b"%d" % n), (b"Content-Length", b"%d" % (n + 1))], \
                body, "cl-two"
        chunked = self.chunked(body, op == "badchunked")
        te = r.choice([b"chunked", b"gzip, chunked", b"chunked, identity", b"Chunked"])
        extra = [(b"Content-Length", b"%d" % n)] if op == "both" else []
        return headers + [(b"Transfer-Encoding", te)] + extra, chunked, "te-" + op

    def chunked(self, body, broken):
        r = self.rng
        out, i = [], 0
        while i < len(body):
            k = r.choice([1, 7, 100, 4096, len(body)])
            out.append(b"%x" % len(body[i:i + k]) + r.choice([b"", b"", b";ext=1"]) + b"\r\n" +
                       body[i:i + k] + b"\r\n")
            i += k
        out.append(b"0\r\n" + r.choice([b"", b"", b"X-Trailer: t\r\n"]) + b"\r\n")
        data = b"".join(out)
        if broken:
            data = r.choice([b"zz\r\n" + data, b"ffffffffffffffffff\r\n" + data, data[:-5],
                             data.replace(b"\r\n", b"\n"), b"-1\r\n" + data,
                             b"7fffffff\r\nabc\r\n" + data])
        return data

    def split(self, data):
        """Chunks and the pauses before them: partial sends and slow senders."""
        r = self.rng
        if self.chance(0.5):  # slowloris: the first bytes one at a time
            n = min(len(data), r.choice([8, 32]))
            chunks = [data[i:i + 1] for i in range(n)] + ([data[n:]] if data[n:] else [])
            return chunks, [0.0] + [0.005] * (len(chunks) - 1), "slow"
        cuts = sorted(r.randrange(len(data) + 1) for _ in range(r.choice([1, 2, 4])))
        chunks = [data[a:b] for a, b in zip([0] + cuts, cuts + [len(data)])]
        return chunks, [0.0] + [r.choice([0.001, 0.02, 0.1])] * (len(chunks) - 1), "split"


def h2_request(method, path, authority, headers, body, rng=None, mutate=False):
    """A whole HTTP/2 conversation's opening with one (or several) requests; with `mutate`, one
    frame-level fault. Returns (bytes, streams expected to answer, what was done)."""
    block = b"".join([wire.hpack_literal(b":method", method), wire.hpack_literal(b":scheme", b"http"),
                      wire.hpack_literal(b":path", path), wire.hpack_literal(b":authority", authority)] +
                     [wire.hpack_literal(n.lower(), v) for n, v in headers
                      if n is not None and n.lower() not in (b"host", b"connection",
                                                             b"transfer-encoding")])

    def stream(sid, blk=block):
        frames = [wire.h2_frame(1, 0x4 | (0 if body else 0x1), sid, blk)]
        if body:
            frames.append(wire.h2_frame(0, 0x1, sid, body))
        return frames

    frames = [wire.H2_PREFACE, wire.H2_SETTINGS] + stream(1)
    name, expect = "h2", 1
    if mutate:
        r = rng
        op = r.choice(["hpack", "length", "flags", "stream0", "padding", "settings", "window",
                       "continuation", "streams", "unknown", "rst", "priority", "pseudo"])
        name = "h2-" + op
        if op == "hpack":
            bad = r.choice([b"\x80", b"\xff\xff\xff\xff\xff\xff\x0f", b"\xbf" + b"\xff" * 10,
                            b"\x3f\xe1\x1f", b"\x00\x85\xff\xff\xff\xff\xff",
                            bytes(r.randrange(256) for _ in range(20)), b"\x40" + b"\x7f" * 4])
            frames[2] = wire.h2_frame(1, 0x5, 1, bad + block)
        elif op == "length":
            f = bytearray(frames[2])
            f[0:3] = r.choice([b"\xff\xff\xff", b"\x00\x00\x00", b"\x00\x40\x01"])
            frames[2] = bytes(f)
        elif op == "flags":
            f = bytearray(frames[2])
            f[4] = r.randrange(256)
            frames[2] = bytes(f)
        elif op == "stream0":
            frames[2:] = stream(r.choice([0, 2, 0x7FFFFFFF]))
        elif op == "padding":
            frames[2] = wire.h2_frame(1, 0x4 | 0x1 | 0x8, 1, bytes([255]) + block)
        elif op == "settings":
            frames.insert(2, wire.h2_frame(4, 0, 0, struct.pack(">HI", r.choice([2, 3, 4, 5, 6, 99]),
                                                                r.choice([0, 1, 2 ** 31, 2 ** 32 - 1]))))
        elif op == "window":
            frames.insert(2, wire.h2_frame(8, 0, r.choice([0, 1]), struct.pack(">I", r.choice(
                [0, 2 ** 31 - 1]))))
        elif op == "continuation":
            cut = len(block) // 2
            frames[2:3] = [wire.h2_frame(1, 0x1 if not body else 0, 1, block[:cut])] + \
                [wire.h2_frame(9, 0, 1, b"")] * r.choice([1, 100, 2000]) + \
                [wire.h2_frame(9, 0x4, 1, block[cut:])]
        elif op == "streams":
            expect = r.choice([2, 5])
            for sid in range(3, 3 + 2 * (expect - 1), 2):
                frames += stream(sid)
        elif op == "unknown":
            frames.insert(2, wire.h2_frame(r.choice([10, 11, 0x77, 0xff]), r.randrange(256), 1,
                                           b"x" * r.choice([0, 100])))
        elif op == "rst":
            frames.insert(3, wire.h2_frame(3, 0, 1, struct.pack(">I", 8)))
        elif op == "priority":
            frames.insert(2, wire.h2_frame(2, 0, 1, struct.pack(">IB", 1, 0)))
        else:
            frames[2] = wire.h2_frame(1, 0x5, 1, wire.hpack_literal(b":path", b"/") + block +
                                      wire.hpack_literal(b":method", b"GET"))
    return b"".join(frames), expect, name
