"""Turns a seed request into one case of scripts/fuzz: the seed's values filled in, a few
mutations drawn (body structure, body bytes, headers, request line, framing, delivery), and the
bytes put together for HTTP/1.1 or HTTP/2."""
import wire
from mutate import Case, Mutator, h2_request, substitute

RUNTIME_REQUEST_ID = "8476a536-e9f4-11e8-9739-2dfe598c3fcd"

# How often each kind of mutation is drawn (a case gets one to three of them).
KINDS = [("struct", 40), ("bytes", 12), ("headers", 18), ("target", 8), ("framing", 10),
         ("line", 6)]


def encode_body(seed, body):
    if seed.protocol == "cbor":
        return wire.encode_cbor(body)
    if seed.protocol == "query":
        return wire.encode_form(body)
    if isinstance(body, str):
        return body.encode("utf-8", "surrogatepass")
    return wire.encode_json(body)


def build(seed, values, m: Mutator, donors, ports):
    """The case for `seed`, or a case with port None when its listener is not known."""
    r = m.rng
    port = ports.get(seed.port)
    body = substitute(seed.body, values)
    path = substitute(seed.path, values)
    mutations = []
    plain = m.chance(0.08)  # the seed as it is: a 5xx here is a bug of an ordinary request
    kinds = [] if plain else [_pick(r) for _ in range(r.choice([1, 1, 1, 2, 3]))]

    structured = seed.protocol in ("json", "cbor") or (seed.protocol == "rest" and
                                                        not isinstance(body, str))
    for k in kinds:
        if k == "struct" and seed.protocol == "query":
            body, what = m.mutate_form(body)
            mutations.append(what)
        elif k == "struct" and structured:
            body, what = m.mutate_structure(body, seed.protocol, donors)
            mutations.append(what)
    data = encode_body(seed, body)
    for k in kinds:
        if k == "bytes" or (k == "struct" and not structured and seed.protocol != "query"):
            data, what = m.mutate_bytes(data)
            mutations.append(what)

    host = b"127.0.0.1:%d" % (port or 0)
    headers = [(b"Host", host)] + [(n.encode(), v.encode("utf-8", "surrogatepass"))
                                   for n, v in substitute(seed.headers, values)]
    target = path.encode("utf-8", "surrogatepass")
    method, version, eol = seed.method.encode(), b"HTTP/1.1", b"\r\n"
    framed = False
    for k in kinds:
        if k == "headers":
            mutations.append(m.mutate_headers(headers))
        elif k == "target":
            target, what = m.mutate_target(path)
            mutations.append(what)
        elif k == "framing" and not framed:
            headers, data, what = m.framing(headers, data)
            framed = True
            mutations.append(what)
        elif k == "line":
            which = r.choice(["method", "version", "eol"])
            if which == "method":
                method = r.choice([b"get", b"FOO", b"A" * 10000, b"", b"HEAD", b"CONNECT",
                                   b"PRI", b"GET", b"DELETE", b"POST\xff"])
            elif which == "version":
                version = r.choice([b"HTTP/1.0", b"HTTP/0.9", b"HTTP/1.2", b"HTTP/2.0",
                                    b"http/1.1", b"HTTP/1.1x", b"", b"HTTP/11.1"])
            else:
                eol = b"\n"
            mutations.append("line-" + which)
    if not framed:
        headers.append((b"Content-Length", b"%d" % len(data)))

    if m.chance(0.08):  # the same request over HTTP/2 with prior knowledge
        frame_fault = m.chance(0.5)
        raw, expect, what = h2_request(method if method else b"POST", target, host,
                                       [h for h in headers if h[0] is None or
                                        h[0].lower() != b"content-length"], data, r, frame_fault)
        mutations.append(what)
        return Case(seed, port, [raw], [0.0], expect, mutations, h2=True,
                    half_close=m.chance(0.5))

    raw = wire.http1(method, target, headers, data, version, eol)
    expect = 1
    if m.chance(0.05):  # pipelined: the seed itself, unmutated, once to thrice after it
        n = r.choice([1, 2, 3])
        plain_req = wire.http1(seed.method.encode(), path.encode("utf-8", "surrogatepass"),
                               [(b"Host", host)] + [(a.encode(), b.encode("utf-8", "surrogatepass"))
                                                   for a, b in substitute(seed.headers, values)] +
                               [(b"Content-Length", b"%d" % len(encode_body(seed, substitute(
                                   seed.body, values))))], encode_body(seed, substitute(seed.body, values)))
        raw += plain_req * n
        expect += n
        mutations.append(f"pipelined-{n}")
    chunks, pauses = [raw], [0.0]
    delivery = r.random()
    if delivery < 0.08:
        chunks, pauses, what = m.split(raw)
        mutations.append(what)
    elif delivery < 0.11:  # only a prefix, then nothing: nothing is owed
        chunks = [raw[:r.randrange(len(raw))]]
        expect = 0
        mutations.append("partial")
    reset = m.chance(0.02)
    if reset:
        mutations.append("reset")
    half_close = m.chance(0.7)
    return Case(seed, port, chunks, pauses, expect, mutations or ["none"],
                half_close=half_close, reset=reset)


def _pick(r):
    total = sum(w for _, w in KINDS)
    x = r.random() * total
    for k, w in KINDS:
        x -= w
        if x < 0:
            return k
    return KINDS[-1][0]
