"""What scripts/fuzz puts on the wire: bodies (JSON, CBOR, forms) that may hold deliberately
broken parts, HTTP/1.1 requests, HTTP/2 frames, and reading back just enough of an answer to
know its status. Standard library only."""
import base64
import socket
import struct
import time
import urllib.parse


# --- values a mutation leaves in a body ---------------------------------------------------------

class Raw:
    """Bytes written as they are where a value goes (invalid UTF-8, a bad number, a lone
    surrogate escape ...)."""
    def __init__(self, data):
        self.data = data


class Pairs:
    """An object (JSON) or map (CBOR) written from a list of pairs: keys may repeat."""
    def __init__(self, pairs):
        self.pairs = pairs


class Deep:
    """`open` repeated `depth` times, then `inner`, then `close` as many times: nesting far past
    any recursion limit, written without recursing."""
    def __init__(self, open_, close, depth, inner):
        self.open, self.close, self.depth, self.inner = open_, close, depth, inner


class Tag:
    """A CBOR tag (1: epoch time, as the AWS SDK for Java writes timestamps)."""
    def __init__(self, tag, value):
        self.tag, self.value = tag, value


def encode_json(v):
    out = []
    _json(v, out)
    return b"".join(out)


def _json(v, out):
    if isinstance(v, Raw):
        out.append(v.data)
    elif isinstance(v, Deep):
        out.append(v.open * v.depth)
        _json(v.inner, out)
        out.append(v.close * v.depth)
    elif isinstance(v, (dict, Pairs)):
        items = v.pairs if isinstance(v, Pairs) else list(v.items())
        out.append(b"{")
        for i, (k, x) in enumerate(items):
            if i:
                out.append(b",")
            _json(k if isinstance(k, Raw) else str(k), out)
            out.append(b":")
            _json(x, out)
        out.append(b"}")
    elif isinstance(v, list):
        out.append(b"[")
        for i, x in enumerate(v):
            if i:
                out.append(b",")
            _json(x, out)
        out.append(b"]")
    elif isinstance(v, bool):
        out.append(b"true" if v else b"false")
    elif v is None:
        out.append(b"null")
    elif isinstance(v, int):
        out.append(str(v).encode())
    elif isinstance(v, float):
        out.append(repr(v).encode() if v == v and abs(v) != float("inf") else b"1e999")
    elif isinstance(v, bytes):  # JSON has no bytes: base64, as the AWS JSON protocols send blobs
        out.append(b'"' + base64.b64encode(v) + b'"')
    elif isinstance(v, Tag):
        _json(v.value, out)
    else:
        s = str(v)
        try:
            out.append(_json_string(s))
        except UnicodeEncodeError:
            out.append(b'"' + s.encode("utf-8", "surrogatepass") + b'"')


def _json_string(s):
    import json
    return json.dumps(s).encode()


def _cbor_head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for info, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | info]) + struct.pack(fmt, n)
    raise ValueError("too large for a CBOR head")


def encode_cbor(v):
    out = []
    _cbor(v, out)
    return b"".join(out)


def _cbor(v, out):
    if isinstance(v, Raw):
        out.append(v.data)
    elif isinstance(v, Deep):
        out.append(v.open * v.depth)
        _cbor(v.inner, out)
        out.append(v.close * v.depth)
    elif isinstance(v, Tag):
        out.append(_cbor_head(6, v.tag))
        _cbor(v.value, out)
    elif isinstance(v, (dict, Pairs)):
        items = v.pairs if isinstance(v, Pairs) else list(v.items())
        out.append(_cbor_head(5, len(items)))
        for k, x in items:
            _cbor(k, out)
            _cbor(x, out)
    elif isinstance(v, list):
        out.append(_cbor_head(4, len(v)))
        for x in v:
            _cbor(x, out)
    elif isinstance(v, bool):
        out.append(b"\xf5" if v else b"\xf4")
    elif v is None:
        out.append(b"\xf6")
    elif isinstance(v, int):
        if 0 <= v < 1 << 64:
            out.append(_cbor_head(0, v))
        elif -(1 << 64) <= v < 0:
            out.append(_cbor_head(1, -1 - v))
        else:  # a bignum (tags 2 and 3)
            n = v if v >= 0 else -1 - v
            raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
            out.append(bytes([0xC2 if v >= 0 else 0xC3]) + _cbor_head(2, len(raw)) + raw)
    elif isinstance(v, float):
        out.append(b"\xfb" + struct.pack(">d", v))
    elif isinstance(v, bytes):
        out.append(_cbor_head(2, len(v)) + v)
    else:
        data = str(v).encode("utf-8", "surrogatepass")
        out.append(_cbor_head(3, len(data)) + data)


def encode_form(pairs):
    """application/x-www-form-urlencoded; a Raw key or value goes in unescaped."""
    parts = []
    for k, v in pairs:
        enc = [x.data if isinstance(x, Raw) else
               urllib.parse.quote_plus(str(x).encode("utf-8", "surrogatepass")).encode()
               for x in (k, v)]
        parts.append(enc[0] + b"=" + enc[1])
    return b"&".join(parts)


# --- HTTP/1.1 -------------------------------------------------------------------------------------

def http1(method, target, headers, body, version=b"HTTP/1.1", eol=b"\r\n"):
    """A request from parts that may already be broken; headers are (name, value) byte pairs,
    Content-Length is whatever the caller put in them."""
    head = [method + b" " + target + b" " + version]
    head += [n + b": " + v if n is not None else v for n, v in headers]
    return eol.join(head) + eol + eol + body


def _recv(sock, deadline, nudge):
    """The next bytes; b"" at the peer's close, False on a reset, None at the deadline. At
    `nudge` (if given) with nothing come yet, the write side is closed: a server waiting for
    the rest of a request then sees its end, so nobody waits out the whole deadline."""
    while True:
        now = time.monotonic()
        if now >= deadline:
            return None
        wait = deadline - now
        if nudge[0] is not None:
            wait = min(wait, max(nudge[0] - now, 0.001))
        sock.settimeout(wait)
        try:
            return sock.recv(65536)
        except socket.timeout:
            if nudge[0] is not None and time.monotonic() >= nudge[0]:
                nudge[0] = None
                try:
                    sock.shutdown(socket.SHUT_WR)
                except OSError:
                    return False
        except OSError:
            return False


def read_statuses(sock, deadline, want, nudge_at=None):
    """Reads answers until `want` of them came, the peer closed, or the deadline passed.
    Returns (statuses, closed, first_body)."""
    nudge = [nudge_at]
    buf = b""
    statuses, first_body, closed = [], b"", False
    pos = 0
    while len(statuses) < want:
        parsed = _parse_answer(buf, pos)
        if parsed is not None:
            status, body, pos = parsed
            if 100 <= status < 200 and status != 101:
                continue  # an interim answer (100 Continue)
            if not statuses:
                first_body = body
            statuses.append(status)
            continue
        chunk = _recv(sock, deadline, nudge)
        if chunk is None:
            break
        if chunk is False:
            closed = True
            break
        if not chunk:
            closed = True
            # An answer cut short by the close still shows its status.
            if len(buf) > pos and buf[pos:pos + 5] == b"HTTP/":
                try:
                    statuses.append(int(buf[pos + 9:pos + 12]))
                except ValueError:
                    pass
            break
        buf += chunk
    return statuses, closed, first_body


def _parse_answer(buf, pos):
    end = buf.find(b"\r\n\r\n", pos)
    if end < 0:
        return None
    head = buf[pos:end].split(b"\r\n")
    try:
        status = int(head[0].split(b" ")[1])
    except (IndexError, ValueError):
        status = 0
    length = 0
    for line in head[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                length = 0
    if status in (204, 304) or 100 <= status < 200:
        length = 0
    start = end + 4
    if len(buf) < start + length:
        return None
    return status, buf[start:start + length], start + length


# --- HTTP/2 with prior knowledge --------------------------------------------------------------------

H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def h2_frame(kind, flags, stream, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + \
        struct.pack(">I", stream & 0x7FFFFFFF) + payload


def hpack_int(n, prefix_bits, first=0):
    limit = (1 << prefix_bits) - 1
    if n < limit:
        return bytes([first | n])
    out = [first | limit]
    n -= limit
    while n >= 128:
        out.append(n % 128 + 128)
        n //= 128
    out.append(n)
    return bytes(out)


def hpack_literal(name, value):
    """A literal header field without indexing, new name, no Huffman coding."""
    return b"\x00" + hpack_int(len(name), 7) + name + hpack_int(len(value), 7) + value


# Our SETTINGS: header table size 0 (the server's answers then use no dynamic table, so their
# :status can be read without keeping one), and a large window.
H2_SETTINGS = h2_frame(4, 0, 0, struct.pack(">HI", 1, 0) + struct.pack(">HI", 4, 1 << 24))


_STATIC_STATUS = {8: 200, 9: 204, 10: 206, 11: 304, 12: 400, 13: 404, 14: 500}
# RFC 7541's Huffman codes of the ten digits, the only characters a :status holds.
_HUFFMAN_DIGITS = {"00000": "0", "00001": "1", "00010": "2", "011001": "3", "011010": "4",
                   "011011": "5", "011100": "6", "011101": "7", "011110": "8", "011111": "9"}


def _hpack_read_int(data, i, prefix_bits):
    limit = (1 << prefix_bits) - 1
    n = data[i] & limit
    i += 1
    if n < limit:
        return n, i
    shift = 0
    while True:
        b = data[i]
        i += 1
        n += (b & 127) << shift
        shift += 7
        if not b & 128:
            return n, i


def _huffman_digits(data):
    bits = "".join(f"{b:08b}" for b in data)
    out, code = "", ""
    for bit in bits:
        code += bit
        if code in _HUFFMAN_DIGITS:
            out += _HUFFMAN_DIGITS[code]
            code = ""
        elif len(code) > 6:
            return None
    return out if set(code) <= {"1"} else None


def h2_status(block):
    """The :status of a header block (its first field, as servers write it), or 0."""
    try:
        i = 0
        while block[i] & 0xE0 == 0x20:  # dynamic table size updates
            _, i = _hpack_read_int(block, i, 5)
        b = block[i]
        if b & 0x80:
            index, i = _hpack_read_int(block, i, 7)
            return _STATIC_STATUS.get(index, 0)
        index, i = _hpack_read_int(block, i, 6 if b & 0x40 else 4)
        if index not in _STATIC_STATUS:
            return 0
        huffman = block[i] & 0x80
        length, i = _hpack_read_int(block, i, 7)
        raw = block[i:i + length]
        text = _huffman_digits(raw) if huffman else raw.decode("ascii")
        return int(text) if text else 0
    except (IndexError, ValueError, UnicodeDecodeError):
        return 0


def read_h2_statuses(sock, deadline, want, nudge_at=None):
    """Reads frames until `want` streams have answered, GOAWAY, close or the deadline.
    Returns (statuses, closed, goaway error code or None)."""
    nudge = [nudge_at]
    buf, statuses, closed, goaway = b"", [], False, None
    while len(statuses) < want and goaway is None:
        while len(buf) >= 9:
            length = int.from_bytes(buf[:3], "big")
            if len(buf) < 9 + length:
                break
            kind, flags = buf[3], buf[4]
            payload = buf[9:9 + length]
            buf = buf[9 + length:]
            if kind == 1:  # HEADERS: skip padding and priority before the block
                start, end = 0, len(payload)
                if flags & 0x8 and payload:
                    start, end = 1, len(payload) - payload[0]
                if flags & 0x20:
                    start += 5
                status = h2_status(payload[start:end])
                if status >= 200 or status == 0:
                    statuses.append(status)
            elif kind == 7 and len(payload) >= 8:
                goaway = int.from_bytes(payload[4:8], "big")
                closed = True  # no more answers come on this connection
        if len(statuses) >= want or goaway is not None:
            break
        chunk = _recv(sock, deadline, nudge)
        if chunk is None:
            break
        if chunk is False:
            closed = True
            break
        if not chunk:
            closed = True
            break
        buf += chunk
    return statuses, closed, goaway
