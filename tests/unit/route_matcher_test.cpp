#include "emulator/http/route_matcher.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace serverlite::http {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

TEST(RouteMatcher, StaticBeatsParamBeatsGreedy) {
  RouteMatcher m;
  m.add("GET", "/pets/{proxy+}", 0);
  m.add("GET", "/pets/dog/{id}", 1);
  m.add("GET", "/pets/dog/1", 2);
  m.add("ANY", "/{proxy+}", 3);

  // The examples of API Gateway's HTTP API route selection.
  EXPECT_EQ(m.match("GET", "/pets/dog/1").value, 2u);
  auto two = m.match("GET", "/pets/dog/2");
  EXPECT_EQ(two.value, 1u);
  EXPECT_EQ(two.params, (Params{{"id", "2"}}));
  auto cat = m.match("GET", "/pets/cat/1");
  EXPECT_EQ(cat.value, 0u);
  EXPECT_EQ(cat.params, (Params{{"proxy", "cat/1"}}));
  // Only the ANY route fits POST, however specific the others are.
  auto post = m.match("POST", "/pets/dog/1");
  EXPECT_EQ(post.status, MatchStatus::Found);
  EXPECT_EQ(post.value, 3u);
  EXPECT_EQ(post.method, "ANY");
  EXPECT_EQ(post.path_template, "/{proxy+}");
  EXPECT_EQ(post.params, (Params{{"proxy", "pets/dog/1"}}));
}

TEST(RouteMatcher, ComparesSegmentsFromTheLeft) {
  RouteMatcher m;
  m.add("GET", "/{a}/b", 0);
  m.add("GET", "/a/{b}", 1);
  // Both templates match; the first segment decides: static "a" beats "{a}".
  EXPECT_EQ(m.match("GET", "/a/b").value, 1u);
  EXPECT_EQ(m.match("GET", "/x/b").value, 0u);
}

TEST(RouteMatcher, LongerGreedyPrefixIsMoreSpecific) {
  RouteMatcher m;
  m.add("GET", "/a/{p+}", 0);
  m.add("GET", "/a/b/{p+}", 1);
  EXPECT_EQ(m.match("GET", "/a/b/c").value, 1u);
  EXPECT_EQ(m.match("GET", "/a/c/d").value, 0u);
  // "/a/b" itself: only "/a/{p+}" matches, since a greedy segment needs one segment at least.
  auto ab = m.match("GET", "/a/b");
  EXPECT_EQ(ab.value, 0u);
  EXPECT_EQ(ab.params, (Params{{"p", "b"}}));
}

TEST(RouteMatcher, GreedyNeedsAtLeastOneSegment) {
  RouteMatcher m;
  m.add("ANY", "/{proxy+}", 0);
  EXPECT_EQ(m.match("GET", "/").status, MatchStatus::NoPath);
  EXPECT_EQ(m.match("GET", "/x/y/z").params, (Params{{"proxy", "x/y/z"}}));
}

TEST(RouteMatcher, ExactMethodBeatsAnyOnTheSameTemplate) {
  RouteMatcher m;
  m.add("ANY", "/items", 0);
  m.add("POST", "/items", 1);
  EXPECT_EQ(m.match("POST", "/items").value, 1u);
  EXPECT_EQ(m.match("DELETE", "/items").value, 0u);
  // Specificity of the path comes first: a static ANY route beats a parameter GET route.
  m.add("GET", "/{x}", 2);
  EXPECT_EQ(m.match("GET", "/items").value, 0u);
}

TEST(RouteMatcher, TellsNoPathFromMethodMismatch) {
  RouteMatcher m;
  m.add("GET", "/users/{id}", 0);
  m.add("PUT", "/users/{id}", 1);
  m.add("DELETE", "/users/me", 2);
  EXPECT_EQ(m.match("GET", "/nowhere").status, MatchStatus::NoPath);
  EXPECT_EQ(m.match("GET", "/users").status, MatchStatus::NoPath);
  auto r = m.match("POST", "/users/me");
  EXPECT_EQ(r.status, MatchStatus::MethodMismatch);
  EXPECT_EQ(r.allowed_methods, (std::vector<std::string>{"DELETE", "GET", "PUT"}));
  EXPECT_TRUE(r.params.empty());
}

TEST(RouteMatcher, DecodesParamsAndStaticSegments) {
  RouteMatcher m;
  m.add("GET", "/files/{name}", 0);
  m.add("GET", "/echo/{proxy+}", 1);
  m.add("GET", "/hello world", 2);
  EXPECT_EQ(m.match("GET", "/files/a%20b%2Fc").params, (Params{{"name", "a b/c"}}));
  // '+' is literal in a path, unlike in a query string.
  EXPECT_EQ(m.match("GET", "/files/a+b").params, (Params{{"name", "a+b"}}));
  EXPECT_EQ(m.match("GET", "/echo/a/b%20c").params, (Params{{"proxy", "a/b c"}}));
  EXPECT_EQ(m.match("GET", "/hello%20world").value, 2u);
}

TEST(RouteMatcher, TrailingSlashAndRoot) {
  RouteMatcher m;
  m.add("GET", "/", 0);
  m.add("GET", "/a", 1);
  m.add("GET", "/a/{id}/", 2);
  EXPECT_EQ(m.match("GET", "/").value, 0u);
  EXPECT_EQ(m.match("GET", "").value, 0u);
  EXPECT_EQ(m.match("GET", "/a/").value, 1u);
  EXPECT_EQ(m.match("GET", "/a/7").params, (Params{{"id", "7"}}));
  EXPECT_EQ(m.match("GET", "/a/7/").params, (Params{{"id", "7"}}));
  // Only one trailing '/' is forgiven; an empty segment matches nothing.
  EXPECT_EQ(m.match("GET", "/a//").status, MatchStatus::NoPath);
  EXPECT_EQ(m.match("GET", "//a").status, MatchStatus::NoPath);
}

TEST(RouteMatcher, MultipleParams) {
  RouteMatcher m;
  m.add("GET", "/users/{user}/posts/{post}", 0);
  auto r = m.match("GET", "/users/ann/posts/42");
  EXPECT_EQ(r.params, (Params{{"user", "ann"}, {"post", "42"}}));
}

TEST(RouteMatcher, MatchPathListsEveryMethodMostSpecificFirst) {
  RouteMatcher m;
  m.add("ANY", "/{proxy+}", 0);
  m.add("GET", "/hello", 1);
  m.add("POST", "/hello", 2);
  m.add("GET", "/other", 3);
  EXPECT_EQ(m.match_path("/hello"), (std::vector<std::size_t>{1, 2, 0}));
  EXPECT_EQ(m.match_path("/"), (std::vector<std::size_t>{}));
}

TEST(RouteMatcher, RejectsMalformedTemplates) {
  RouteMatcher m;
  EXPECT_THROW(m.add("GET", "users", 0), std::invalid_argument);
  EXPECT_THROW(m.add("GET", "/a/{p+}/b", 0), std::invalid_argument);
  EXPECT_THROW(m.add("GET", "/a/x{id}", 0), std::invalid_argument);
  EXPECT_THROW(m.add("GET", "/a/{}", 0), std::invalid_argument);
  EXPECT_THROW(m.add("GET", "/a/{id}/{id}", 0), std::invalid_argument);
  EXPECT_THROW(m.add("GET", "/a//b", 0), std::invalid_argument);
  EXPECT_TRUE(m.empty());
}

}  // namespace
}  // namespace serverlite::http
