// Content codings: compressed request bodies decoded within a bound, answers compressed for
// clients that accept gzip.
#include <gtest/gtest.h>

#include <zlib.h>

#include <string>

#include "emulator/http/content_coding.hpp"

namespace serverlite::http {
namespace {

std::string zlib_compress(std::string_view in, int window_bits) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, in.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

Request with_body(std::string body, std::string coding) {
  Request r;
  r.method = "POST";
  r.target = "/";
  r.headers = {{"Content-Encoding", std::move(coding)},
               {"Content-Length", std::to_string(body.size())}};
  r.body = std::move(body);
  return r;
}

TEST(ContentCoding, GzipAndBothFormsOfDeflateDecode) {
  std::string text(5000, 'a');
  text += "the end";
  std::string out;
  EXPECT_EQ(inflate_bounded(gzip(text), Coding::gzip, 1 << 20, out), Inflated::ok);
  EXPECT_EQ(out, text);
  EXPECT_EQ(inflate_bounded(zlib_compress(text, 15), Coding::deflate, 1 << 20, out), Inflated::ok);
  EXPECT_EQ(out, text);
  EXPECT_EQ(inflate_bounded(zlib_compress(text, -15), Coding::deflate, 1 << 20, out),
            Inflated::ok);  // raw deflate, as some clients send it
  EXPECT_EQ(out, text);
  // Two gzip members are one body.
  EXPECT_EQ(inflate_bounded(gzip("one ") + gzip("two"), Coding::gzip, 100, out), Inflated::ok);
  EXPECT_EQ(out, "one two");
}

TEST(ContentCoding, BrokenAndOversizedStreamsAreRefused) {
  std::string out;
  std::string packed = gzip(std::string(100000, 'x'));
  EXPECT_EQ(inflate_bounded(packed.substr(0, packed.size() / 2), Coding::gzip, 1 << 20, out),
            Inflated::corrupt);  // cut short
  EXPECT_EQ(inflate_bounded("not gzip at all", Coding::gzip, 1 << 20, out), Inflated::corrupt);
  EXPECT_EQ(inflate_bounded(packed + "junk", Coding::gzip, 1 << 20, out), Inflated::corrupt);
  EXPECT_EQ(inflate_bounded(zlib_compress("x", 15) + "z", Coding::deflate, 100, out),
            Inflated::corrupt);
  // A bomb stops at the limit: 100,000 bytes decoded against a limit of 99,999.
  EXPECT_EQ(inflate_bounded(packed, Coding::gzip, 99999, out), Inflated::too_large);
  EXPECT_LE(out.size(), 99999u);
  EXPECT_EQ(inflate_bounded(packed, Coding::gzip, 100000, out), Inflated::ok);
}

TEST(ContentCoding, RequestBodiesAreDecodedAndTheHeaderGoes) {
  auto r = with_body(gzip("{\"a\":1}"), "gzip");
  EXPECT_FALSE(decode_request_body(r, 1024));
  EXPECT_EQ(r.body, "{\"a\":1}");
  EXPECT_FALSE(r.header("Content-Encoding"));
  EXPECT_EQ(r.header("Content-Length"), "7");

  // Codings in the order applied: gzip, then deflate; decoded deflate first.
  auto layered = with_body(zlib_compress(gzip("two layers"), 15), "GZIP, deflate");
  EXPECT_FALSE(decode_request_body(layered, 1024));
  EXPECT_EQ(layered.body, "two layers");

  auto identity = with_body("plain", "identity");
  EXPECT_FALSE(decode_request_body(identity, 1024));
  EXPECT_EQ(identity.body, "plain");
  auto none = with_body("plain", "");
  none.headers.clear();
  EXPECT_FALSE(decode_request_body(none, 1024));
  auto empty = with_body("", "gzip");  // a GET with the header and no body
  EXPECT_FALSE(decode_request_body(empty, 1024));
  EXPECT_EQ(empty.body, "");

  auto broken = with_body("garbage", "gzip");
  auto failure = decode_request_body(broken, 1024);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->status, 400);
  auto big = with_body(gzip(std::string(2000, 'b')), "x-gzip");
  failure = decode_request_body(big, 1024);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->status, 413);
  auto brotli = with_body("...", "br");
  failure = decode_request_body(brotli, 1024);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->status, 415);
  auto many = with_body("...", "gzip, gzip, gzip, gzip");
  EXPECT_EQ(decode_request_body(many, 1024)->status, 415);
}

TEST(ContentCoding, AcceptEncodingIsReadWithItsWeights) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("deflate, GZIP;q=0.5"));
  EXPECT_TRUE(accepts_gzip("x-gzip"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("gzip; q=0.000, *"));
  EXPECT_FALSE(accepts_gzip("*;q=0"));
  EXPECT_TRUE(accepts_gzip("gzip;q=0.001"));
  EXPECT_FALSE(accepts_gzip(""));
}

TEST(ContentCoding, AnswersAreCompressedAboveTheThreshold) {
  std::string big(4000, 'z');
  auto handler = compress_answers([&](Request req, Responder respond) {
    Response res = Response::json(200, req.target == "/small" ? "{}" : big);
    if (req.target == "/crc") res.add_header("x-amz-crc32", "1");
    if (req.target == "/coded") res.set_header("Content-Encoding", "br");
    respond(std::move(res));
  });
  auto call = [&](std::string target, std::string accept, std::string method = "POST") {
    Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    if (!accept.empty()) r.headers.push_back({"Accept-Encoding", std::move(accept)});
    Response got;
    handler(std::move(r), [&](Response res) { got = std::move(res); });
    return got;
  };
  auto res = call("/", "gzip, deflate");
  EXPECT_EQ(res.header("Content-Encoding"), "gzip");
  EXPECT_EQ(res.header("Vary"), "Accept-Encoding");
  std::string out;
  ASSERT_EQ(inflate_bounded(res.body, Coding::gzip, 1 << 20, out), Inflated::ok);
  EXPECT_EQ(out, big);
  EXPECT_LT(res.body.size(), big.size());

  EXPECT_EQ(call("/", "").body, big);          // not asked
  EXPECT_EQ(call("/", "identity").body, big);  // not accepted
  EXPECT_EQ(call("/small", "gzip").body, "{}");  // under the threshold
  EXPECT_EQ(call("/", "gzip", "HEAD").body, big);
  EXPECT_EQ(call("/coded", "gzip").body, big);  // a handler's own coding stays
  auto crc = call("/crc", "gzip");
  EXPECT_EQ(crc.header("x-amz-crc32"),
            std::to_string(::crc32_z(0L, reinterpret_cast<const Bytef*>(crc.body.data()),
                                     crc.body.size())));
}

}  // namespace
}  // namespace serverlite::http
