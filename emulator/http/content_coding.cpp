#include "emulator/http/content_coding.hpp"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <new>
#include <vector>

#include "emulator/ascii.hpp"

namespace serverlite::http {

namespace {

constexpr std::size_t kMaxCodings = 3;  // more layers than any client sends are refused

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The items of a comma-separated header value, trimmed, empty ones left out.
std::vector<std::string_view> list_items(std::string_view value) {
  std::vector<std::string_view> out;
  while (!value.empty()) {
    auto comma = value.find(',');
    auto item = trim(value.substr(0, comma));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return out;
}

// A zlib (RFC 1950) header: deflate method, and the check bits that make it a multiple of 31.
bool has_zlib_header(std::string_view in) {
  if (in.size() < 2) return false;
  auto b0 = static_cast<unsigned char>(in[0]);
  auto b1 = static_cast<unsigned char>(in[1]);
  return (b0 & 0x0f) == 8 && (b0 >> 4) <= 7 && ((b0 << 8) | b1) % 31 == 0;
}

}  // namespace

Inflated inflate_bounded(std::string_view in, Coding coding, std::size_t limit, std::string& out) {
  out.clear();
  if (in.size() > UINT_MAX) return Inflated::too_large;
  int window = coding == Coding::gzip ? 15 + 16 : (has_zlib_header(in) ? 15 : -15);
  z_stream z{};
  if (inflateInit2(&z, window) != Z_OK) throw std::bad_alloc();
  struct End {
    z_stream& z;
    ~End() { inflateEnd(&z); }
  } end{z};
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  unsigned char chunk[16384];
  while (true) {
    z.next_out = chunk;
    z.avail_out = sizeof chunk;
    int rc = inflate(&z, Z_NO_FLUSH);
    std::size_t produced = sizeof chunk - z.avail_out;
    if (produced > limit - out.size()) return Inflated::too_large;
    out.append(reinterpret_cast<const char*>(chunk), produced);
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0) return Inflated::ok;
      // Another gzip member follows; anything after a deflate stream is garbage.
      if (coding != Coding::gzip || inflateReset(&z) != Z_OK) return Inflated::corrupt;
      continue;
    }
    // Z_BUF_ERROR: no progress was possible, so the input ended before the stream did.
    if (rc != Z_OK) return Inflated::corrupt;
  }
}

std::string gzip(std::string_view in) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::bad_alloc();
  struct End {
    z_stream& z;
    ~End() { deflateEnd(&z); }
  } end{z};
  std::string out;
  out.resize(deflateBound(&z, static_cast<uLong>(in.size())));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  // deflateBound leaves room for the whole stream, so one call finishes it.
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw std::bad_alloc();
  out.resize(z.total_out);
  return out;
}

std::optional<CodingFailure> decode_request_body(Request& request, std::size_t limit) {
  std::vector<std::string> codings;
  for (const auto& h : request.headers) {
    if (!iequals(h.name, "Content-Encoding")) continue;
    for (auto item : list_items(h.value)) {
      std::string coding = ascii_lower(item);
      if (coding != "identity") codings.push_back(std::move(coding));
    }
  }
  bool present = std::any_of(request.headers.begin(), request.headers.end(),
                             [](const Header& h) { return iequals(h.name, "Content-Encoding"); });
  if (!present) return std::nullopt;
  if (codings.size() > kMaxCodings)
    return CodingFailure{415, "Too many content codings: at most " +
                                  std::to_string(kMaxCodings) + " are decoded."};
  for (const auto& c : codings)
    if (c != "gzip" && c != "x-gzip" && c != "deflate")
      return CodingFailure{415, "Unsupported Content-Encoding \"" + c +
                                    "\": serverlite decodes gzip and deflate."};
  // Decoded in the reverse of the order applied. An empty body is empty in any coding.
  std::string decoded;
  for (auto it = codings.rbegin(); it != codings.rend() && !request.body.empty(); ++it) {
    Coding coding = *it == "deflate" ? Coding::deflate : Coding::gzip;
    switch (inflate_bounded(request.body, coding, limit, decoded)) {
      case Inflated::ok:
        break;
      case Inflated::corrupt:
        return CodingFailure{400, "The request body is not a valid " + *it + " stream."};
      case Inflated::too_large:
        return CodingFailure{413, "The request body decoded is larger than " +
                                      std::to_string(limit) + " bytes."};
    }
    request.body.swap(decoded);
  }
  std::erase_if(request.headers,
                [](const Header& h) { return iequals(h.name, "Content-Encoding"); });
  for (auto& h : request.headers)
    if (iequals(h.name, "Content-Length")) h.value = std::to_string(request.body.size());
  return std::nullopt;
}

bool accepts_gzip(std::string_view accept_encoding) {
  std::optional<bool> gzip_listed, any_listed;
  for (auto item : list_items(accept_encoding)) {
    auto semi = item.find(';');
    std::string coding = ascii_lower(trim(item.substr(0, semi)));
    bool refused = false;
    if (semi != std::string_view::npos) {
      // q=0, q=0.0, q=0.000: the coding is not acceptable.
      std::string params = ascii_lower(item.substr(semi + 1));
      std::erase_if(params, [](char c) { return c == ' ' || c == '\t'; });
      auto q = params.find("q=");
      if (q != std::string::npos) {
        std::string_view v = std::string_view(params).substr(q + 2);
        v = v.substr(0, v.find(';'));
        refused = !v.empty() && v.front() == '0' &&
                  std::all_of(v.begin() + 1, v.end(), [](char c) { return c == '.' || c == '0'; });
      }
    }
    if (coding == "gzip" || coding == "x-gzip") gzip_listed = !refused;
    else if (coding == "*") any_listed = !refused;
  }
  if (gzip_listed) return *gzip_listed;
  return any_listed.value_or(false);
}

Handler compress_answers(Handler inner) {
  return [inner = std::move(inner)](Request request, Responder respond) {
    auto accept = request.header("Accept-Encoding");
    if (!accept || !accepts_gzip(*accept) || request.method == "HEAD")
      return inner(std::move(request), std::move(respond));
    inner(std::move(request), [respond = std::move(respond)](Response res) {
      if (response_has_body(res.status) && res.body.size() >= kCompressMinimum &&
          !res.header("Content-Encoding")) {
        res.body = gzip(res.body);
        res.set_header("Content-Encoding", "gzip");
        if (auto vary = res.header("Vary"))
          res.set_header("Vary", std::string(*vary) + ", Accept-Encoding");
        else
          res.set_header("Vary", "Accept-Encoding");
        if (res.header("x-amz-crc32")) {
          auto crc = ::crc32_z(0L, reinterpret_cast<const Bytef*>(res.body.data()),
                               res.body.size());
          res.set_header("x-amz-crc32", std::to_string(crc));
        }
      }
      respond(std::move(res));
    });
  };
}

}  // namespace serverlite::http
