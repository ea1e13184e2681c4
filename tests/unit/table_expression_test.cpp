#include "services/table/expression.hpp"

#include <gtest/gtest.h>

namespace serverlite::table {
namespace {

Json j(const char* text) { return Json::parse(text); }

// The message of the ExpressionError `f` throws ("" when it does not throw).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ExpressionError& e) {
    return e.message;
  }
  return "";
}

// A sample item covering every type.
Json sample_item() {
  return j(R"({
    "id": {"S": "k1"},
    "n": {"N": "5"},
    "s": {"S": "hello world"},
    "b": {"B": "AQID"},
    "flag": {"BOOL": true},
    "nothing": {"NULL": true},
    "tags": {"SS": ["red", "blue"]},
    "nums": {"NS": ["1", "2.5"]},
    "lst": {"L": [{"S": "a"}, {"N": "2"}, {"L": [{"S": "deep"}]}]},
    "mp": {"M": {"x": {"N": "1"}, "nest": {"M": {"y": {"S": "why"}}}}}
  })");
}

bool eval(const char* expr, const char* values = nullptr, const char* names = nullptr,
          const Json& item = sample_item()) {
  ExpressionContext ctx(names ? j(names) : Json(), values ? j(values) : Json());
  auto c = parse_condition(expr, ctx);
  ctx.check_all_used();
  return c.evaluate(item);
}

std::string condition_error(const char* expr, const char* values = nullptr,
                            const char* names = nullptr,
                            ExpressionKind kind = ExpressionKind::Condition) {
  return error_of([&] {
    ExpressionContext ctx(names ? j(names) : Json(), values ? j(values) : Json());
    parse_condition(expr, ctx, kind);
    ctx.check_all_used();
  });
}

// ---- Conditions: comparators, logic, precedence -------------------------------------------------

TEST(ConditionExpression, Comparators) {
  EXPECT_TRUE(eval("n = :v", R"({":v": {"N": "5.0"}})"));
  EXPECT_FALSE(eval("n <> :v", R"({":v": {"N": "5"}})"));
  EXPECT_TRUE(eval("n < :v", R"({":v": {"N": "10"}})"));
  EXPECT_TRUE(eval("n <= :v", R"({":v": {"N": "5"}})"));
  EXPECT_FALSE(eval("n > :v", R"({":v": {"N": "5"}})"));
  EXPECT_TRUE(eval("n >= :v", R"({":v": {"N": "-5"}})"));
  EXPECT_TRUE(eval("s > :v", R"({":v": {"S": "hello"}})"));
  // The value may come first.
  EXPECT_TRUE(eval(":v < n", R"({":v": {"N": "1"}})"));
  // Two paths.
  EXPECT_TRUE(eval("mp.x < n"));
}

TEST(ConditionExpression, MissingAttributesAndTypeMismatches) {
  // Only <> is true on an absent path; every other comparison is false.
  EXPECT_FALSE(eval("absent = :v", R"({":v": {"N": "1"}})"));
  EXPECT_TRUE(eval("absent <> :v", R"({":v": {"N": "1"}})"));
  EXPECT_FALSE(eval("absent < :v", R"({":v": {"N": "1"}})"));
  EXPECT_TRUE(eval("NOT (absent >= :v)", R"({":v": {"N": "1"}})"));
  // Different types are never equal nor ordered.
  EXPECT_FALSE(eval("n = :v", R"({":v": {"S": "5"}})"));
  EXPECT_TRUE(eval("n <> :v", R"({":v": {"S": "5"}})"));
  EXPECT_FALSE(eval("n < :v", R"({":v": {"S": "6"}})"));
  // Lists, maps, booleans are comparable for equality only: a constant of those types in an
  // ordering is refused, a path holding one compares as false.
  EXPECT_TRUE(eval("flag = :t", R"({":t": {"BOOL": true}})"));
  EXPECT_EQ(condition_error("flag < :t", R"({":t": {"BOOL": true}})"),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: <, operand type: BOOL");
  EXPECT_EQ(condition_error("n BETWEEN :a AND :b", R"({":a": {"L": []}, ":b": {"L": []}})"),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: BETWEEN, operand type: L");
  EXPECT_FALSE(eval("flag < n"));
  // Sets compare regardless of order.
  EXPECT_TRUE(eval("tags = :t", R"({":t": {"SS": ["blue", "red"]}})"));
}

TEST(ConditionExpression, BetweenAndIn) {
  EXPECT_TRUE(eval("n BETWEEN :a AND :b", R"({":a": {"N": "5"}, ":b": {"N": "6"}})"));
  EXPECT_FALSE(eval("n between :a and :b", R"({":a": {"N": "6"}, ":b": {"N": "7"}})"));
  EXPECT_FALSE(eval("absent BETWEEN :a AND :b", R"({":a": {"N": "1"}, ":b": {"N": "7"}})"));
  EXPECT_TRUE(eval("s IN (:a, :b)", R"({":a": {"S": "x"}, ":b": {"S": "hello world"}})"));
  EXPECT_FALSE(eval("s in (:a)", R"({":a": {"S": "x"}})"));
  EXPECT_FALSE(eval("absent IN (:a)", R"({":a": {"S": "x"}})"));
}

TEST(ConditionExpression, LogicalOperatorsAndPrecedence) {
  const char* v = R"({":five": {"N": "5"}, ":six": {"N": "6"}})";
  EXPECT_TRUE(eval("n = :five AND n < :six", v));
  EXPECT_FALSE(eval("n = :six AND n = :five", v));
  EXPECT_TRUE(eval("n = :six OR n = :five", v));
  // AND binds tighter than OR: true OR (false AND false).
  EXPECT_TRUE(eval("n = :five OR n = :six AND n = :six", v));
  // Parentheses change it: (true OR false) AND false.
  EXPECT_FALSE(eval("(n = :five OR n = :six) AND n = :six", v));
  // NOT binds tighter than AND: (NOT false) AND true.
  EXPECT_TRUE(eval("NOT n = :six AND n = :five", v));
  EXPECT_FALSE(eval("NOT (n = :six OR n = :five)", v));
  // Keywords are case-insensitive.
  EXPECT_TRUE(eval("n = :five and not n = :six or n = :six", v));
  // Parenthesised operands.
  EXPECT_TRUE(eval("(n) = (:five)", R"({":five": {"N": "5"}})"));
}

TEST(ConditionExpression, Functions) {
  EXPECT_TRUE(eval("attribute_exists(n)"));
  EXPECT_FALSE(eval("attribute_exists(mp.nope)"));
  EXPECT_TRUE(eval("attribute_not_exists(mp.nest.z)"));
  EXPECT_TRUE(eval("attribute_type(tags, :t)", R"({":t": {"S": "SS"}})"));
  EXPECT_FALSE(eval("attribute_type(n, :t)", R"({":t": {"S": "S"}})"));
  EXPECT_TRUE(eval("attribute_type(nothing, :t)", R"({":t": {"S": "NULL"}})"));
  EXPECT_TRUE(eval("begins_with(s, :p)", R"({":p": {"S": "hell"}})"));
  EXPECT_FALSE(eval("begins_with(s, :p)", R"({":p": {"S": "world"}})"));
  EXPECT_TRUE(eval("begins_with(b, :p)", R"({":p": {"B": "AQ=="}})"));  // bytes 01 02 03
  EXPECT_FALSE(eval("begins_with(n, :p)", R"({":p": {"S": "5"}})"));
  EXPECT_TRUE(eval("contains(s, :p)", R"({":p": {"S": "o w"}})"));
  EXPECT_TRUE(eval("contains(tags, :p)", R"({":p": {"S": "red"}})"));
  EXPECT_FALSE(eval("contains(tags, :p)", R"({":p": {"S": "green"}})"));
  EXPECT_TRUE(eval("contains(nums, :p)", R"({":p": {"N": "2.50"}})"));
  EXPECT_TRUE(eval("contains(lst, :p)", R"({":p": {"N": "2"}})"));
  EXPECT_FALSE(eval("contains(absent, :p)", R"({":p": {"N": "2"}})"));
}

TEST(ConditionExpression, Size) {
  // One context per check: the values here are shared, so "unused" is not checked.
  auto size_eval = [](const char* expr) {
    ExpressionContext ctx(Json(), j(R"({":n": {"N": "11"}, ":two": {"N": "2"},
                                         ":three": {"N": "3"}})"));
    return parse_condition(expr, ctx).evaluate(sample_item());
  };
  EXPECT_TRUE(size_eval("size(s) = :n"));  // UTF-8 bytes
  EXPECT_TRUE(size_eval("size(tags) = :two"));
  EXPECT_TRUE(size_eval("size(lst) = :three"));
  EXPECT_TRUE(size_eval("size(mp) = :two"));
  EXPECT_TRUE(size_eval("size(b) = :three"));  // decoded bytes
  // size of a number or of an absent path makes the comparison false.
  EXPECT_FALSE(size_eval("size(n) >= :two"));
  EXPECT_FALSE(size_eval("size(absent) >= :two"));
  EXPECT_TRUE(size_eval("size(lst[2]) < :two"));
}

TEST(ConditionExpression, NestedPathsAndPlaceholders) {
  EXPECT_TRUE(eval("mp.nest.y = :v", R"({":v": {"S": "why"}})"));
  EXPECT_TRUE(eval("lst[2][0] = :v", R"({":v": {"S": "deep"}})"));
  EXPECT_TRUE(eval("lst[ 1 ] = :v", R"({":v": {"N": "2"}})"));
  EXPECT_FALSE(eval("lst[9] = :v", R"({":v": {"N": "2"}})"));
  EXPECT_FALSE(eval("mp[0] = :v", R"({":v": {"N": "2"}})"));
  EXPECT_FALSE(eval("lst.x = :v", R"({":v": {"N": "2"}})"));
  EXPECT_TRUE(eval("#m.#i.y = :v", R"({":v": {"S": "why"}})", R"({"#m": "mp", "#i": "nest"})"));
  // A placeholder may name an attribute with dots or reserved words in it.
  Json item = j(R"({"a.b": {"N": "1"}, "status": {"S": "on"}})");
  EXPECT_TRUE(eval("#ab = :v AND #st = :on", R"({":v": {"N": "1"}, ":on": {"S": "on"}})",
                   R"({"#ab": "a.b", "#st": "status"})", item));
  // Evaluation on "no item".
  EXPECT_TRUE(eval("attribute_not_exists(id)", nullptr, nullptr, Json::object()));
}

// ---- Conditions: errors -------------------------------------------------------------------------

TEST(ConditionExpressionErrors, EmptyAndSyntax) {
  EXPECT_EQ(condition_error(""), "Invalid ConditionExpression: The expression can not be empty;");
  EXPECT_EQ(condition_error("a-b"),
            "Invalid ConditionExpression: Syntax error; token: \"-\", near: \"a-b\"");
  EXPECT_EQ(condition_error("a-b", nullptr, nullptr, ExpressionKind::Filter),
            "Invalid FilterExpression: Syntax error; token: \"-\", near: \"a-b\"");
  // A bare path where a condition is expected fails at the next token, here the end.
  EXPECT_EQ(condition_error("attribute_exists(a) AND NOT #h", nullptr, R"({"#h": "h"})"),
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"#h\"");
  EXPECT_EQ(condition_error("a = :v extra", R"({":v": {"N": "1"}})"),
            "Invalid ConditionExpression: Syntax error; token: \"extra\", near: \":v extra\"");
  EXPECT_EQ(condition_error("a != :v", R"({":v": {"N": "1"}})"),
            "Invalid ConditionExpression: Syntax error; token: \"!\", near: \"a !=\"");
  EXPECT_EQ(condition_error("a = 1"),
            "Invalid ConditionExpression: Syntax error; token: \"1\", near: \"= 1\"");
  EXPECT_EQ(condition_error("a AND b = :v", R"({":v": {"N": "1"}})"),
            "Invalid ConditionExpression: Syntax error; token: \"AND\", near: \"a AND b\"");
  EXPECT_EQ(condition_error("a BETWEEN :x", R"({":x": {"N": "1"}})"),
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \":x\"");
}

TEST(ConditionExpressionErrors, RedundantParentheses) {
  const char* v = R"({":v": {"N": "1"}})";
  EXPECT_EQ(condition_error("((a = :v))", v),
            "Invalid ConditionExpression: The expression has redundant parentheses;");
  EXPECT_EQ(condition_error("((a)) = :v", v),
            "Invalid ConditionExpression: The expression has redundant parentheses;");
  EXPECT_EQ(condition_error("(a = :v) AND ((a = :v) OR (a = :v))", v), "");
}

TEST(ConditionExpressionErrors, Functions) {
  const char* v = R"({":v": {"N": "1"}, ":s": {"S": "x"}})";
  EXPECT_EQ(condition_error("dog(a)"),
            "Invalid ConditionExpression: Invalid function name; function: dog");
  EXPECT_EQ(condition_error("BEGINS_WITH(a, :s)", R"({":s": {"S": "x"}})"),
            "Invalid ConditionExpression: Invalid function name; function: BEGINS_WITH");
  EXPECT_EQ(condition_error("size(a)"),
            "Invalid ConditionExpression: The function is not allowed to be used this way in an "
            "expression; function: size");
  EXPECT_EQ(condition_error("attribute_exists(a) = :v", R"({":v": {"N": "1"}})"),
            "Invalid ConditionExpression: The function is not allowed to be used this way in an "
            "expression; function: attribute_exists");
  EXPECT_EQ(condition_error("begins_with(a)"),
            "Invalid ConditionExpression: Incorrect number of operands for operator or function; "
            "operator or function: begins_with, number of operands: 1");
  EXPECT_EQ(condition_error("begins_with(a, :v) OR contains(a, :s)", v),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: begins_with, operand type: N");
  EXPECT_EQ(condition_error("attribute_exists(:s)", R"({":s": {"S": "x"}})"),
            "Invalid ConditionExpression: Operator or function requires a document path; "
            "operator or function: attribute_exists");
  EXPECT_EQ(condition_error("attribute_type(a, :s)", R"({":s": {"S": "STRING"}})"),
            "Invalid ConditionExpression: Invalid attribute type name found; type: STRING, "
            "valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
  EXPECT_EQ(condition_error("attribute_type(a, :v)", R"({":v": {"N": "1"}})"),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: attribute_type, operand type: N");
  EXPECT_EQ(condition_error("size(:v) > :v", R"({":v": {"N": "1"}})"),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: size, operand type: N");
  EXPECT_EQ(condition_error("a = a"),
            "Invalid ConditionExpression: The first operand must be distinct from the remaining "
            "operands for this operator or function; operator: =, first operand: [a]");
  EXPECT_EQ(condition_error("contains(#a, #a)", nullptr, R"({"#a": "data"})"),
            "Invalid ConditionExpression: The first operand must be distinct from the remaining "
            "operands for this operator or function; operator: contains, first operand: [data]");
}

TEST(ConditionExpressionErrors, BetweenBounds) {
  EXPECT_EQ(condition_error("a BETWEEN :hi AND :lo", R"({":hi": {"N": "2"}, ":lo": {"N": "1"}})"),
            "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater "
            "than or equal to lower bound; lower bound operand: AttributeValue: {N:2}, upper "
            "bound operand: AttributeValue: {N:1}");
  EXPECT_EQ(condition_error("a BETWEEN :n AND :s", R"({":n": {"N": "1"}, ":s": {"S": "a"}})"),
            "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower "
            "and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: "
            "AttributeValue: {S:a}");
}

TEST(ConditionExpressionErrors, InAcceptsAHundredOperands) {
  std::string list;
  Json values = Json::object();
  for (int i = 0; i < 101; ++i) {
    std::string key = ":v" + std::to_string(i);
    values[key] = {{"N", std::to_string(i)}};
    if (i < 100) list += (i ? ", " : "") + key;
  }
  ExpressionContext ctx(Json(), values);
  EXPECT_NO_THROW(parse_condition("a IN (" + list + ")", ctx));
  ExpressionContext ctx2(Json(), values);
  EXPECT_EQ(error_of([&] { parse_condition("a IN (" + list + ", :v100)", ctx2); }),
            "Invalid ConditionExpression: Too many operands for the IN operator; number of "
            "operands: 101, maximum: 100");
}

// DynamoDB's 300 operators per expression bound the parser's recursion and the depth of the trees
// it builds; parentheses nested deeper than that are redundant ones.
TEST(ConditionExpressionErrors, AtMostThreeHundredOperators) {
  auto chain = [](int comparisons, const char* op) {
    std::string text = "a = :v";
    for (int i = 1; i < comparisons; ++i) text += std::string(" ") + op + " a = :v";
    return text;
  };
  // 150 comparisons and 149 ANDs: 299 operators.
  EXPECT_EQ(condition_error(chain(150, "AND").c_str(), R"({":v": {"N": "1"}})"), "");
  EXPECT_EQ(condition_error(chain(151, "OR").c_str(), R"({":v": {"N": "1"}})"),
            "Invalid ConditionExpression: The expression contains too many operators; operator "
            "count: 301");
  std::string nots;
  for (int i = 0; i < 700; ++i) nots += "NOT ";
  EXPECT_EQ(condition_error((nots + "a = :v").c_str(), R"({":v": {"N": "1"}})"),
            "Invalid ConditionExpression: The expression contains too many operators; operator "
            "count: 701");
  std::string sizes = "a = :v AND b = ";
  for (int i = 0; i < 400; ++i) sizes += "size(";
  sizes += "c" + std::string(400, ')');
  EXPECT_EQ(condition_error(sizes.c_str(), R"({":v": {"N": "1"}})"),
            "Invalid ConditionExpression: The expression contains too many operators; operator "
            "count: 403");
  std::string parens = std::string(2000, '(') + "a = :v" + std::string(2000, ')');
  EXPECT_EQ(condition_error(parens.c_str(), R"({":v": {"N": "1"}})"),
            "Invalid ConditionExpression: The expression has redundant parentheses;");
  std::string update = "SET a = " + std::string(1000, '(') + ":v" + std::string(1000, ')');
  EXPECT_EQ(error_of([&] {
              ExpressionContext ctx(Json(), j(R"({":v": {"N": "1"}})"));
              parse_update(update, ctx);
            }),
            "Invalid UpdateExpression: The expression has redundant parentheses;");
}

TEST(ConditionExpressionErrors, ReservedWordsAndPlaceholders) {
  EXPECT_EQ(condition_error("status = :v", R"({":v": {"S": "x"}})"),
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved "
            "keyword: status");
  EXPECT_EQ(condition_error("a.Size = :v", R"({":v": {"S": "x"}})"),
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved "
            "keyword: Size");
  EXPECT_EQ(condition_error("#x = :v", R"({":v": {"S": "x"}})"),
            "Invalid ConditionExpression: An expression attribute name used in the document "
            "path is not defined; attribute name: #x");
  EXPECT_EQ(condition_error("a = :v"),
            "Invalid ConditionExpression: An expression attribute value used in expression is "
            "not defined; attribute value: :v");
  // Unknown functions are reported before reserved words, which come before placeholders.
  EXPECT_EQ(condition_error("status = :v OR dog(a)"),
            "Invalid ConditionExpression: Invalid function name; function: dog");
  EXPECT_EQ(condition_error("#x = :v AND name = :w"),
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved "
            "keyword: name");
}

// ---- ExpressionAttributeNames / Values ----------------------------------------------------------

TEST(ExpressionContext, UnusedAndInvalidDefinitions) {
  EXPECT_EQ(condition_error("a = :v", R"({":v": {"N": "1"}, ":w": {"N": "2"}})",
                            R"({"#a": "a", "#b": "b"})"),
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}");
  EXPECT_EQ(condition_error("a = :v", R"({":v": {"N": "1"}, ":w": {"N": "2"}})"),
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}");
  EXPECT_EQ(error_of([] { ExpressionContext(j("{}"), Json()); }),
            "ExpressionAttributeNames must not be empty");
  EXPECT_EQ(error_of([] { ExpressionContext(Json(), j("{}")); }),
            "ExpressionAttributeValues must not be empty");
  EXPECT_EQ(error_of([] { ExpressionContext(j(R"({"a": "a"})"), Json()); }),
            "ExpressionAttributeNames contains invalid key: Syntax error; key: \"a\"");
  EXPECT_EQ(error_of([] { ExpressionContext(Json(), j(R"({"v": {"S": "a"}})")); }),
            "ExpressionAttributeValues contains invalid key: Syntax error; key: \"v\"");
  EXPECT_NE(error_of([] {
              ExpressionContext(Json(), j(R"({":v": {}})"));
            }).find("ExpressionAttributeValues contains invalid value: "),
            std::string::npos);
}

TEST(ExpressionContext, SharedByTheExpressionsOfOneRequest) {
  ExpressionContext ctx(j(R"({"#p": "p", "#a": "a"})"),
                        j(R"({":p": {"S": "x"}, ":a": {"N": "1"}})"));
  parse_key_condition("#p = :p", ctx, "p", std::nullopt);
  EXPECT_THROW(ctx.check_all_used(), ExpressionError);
  parse_condition("#a > :a", ctx, ExpressionKind::Filter);
  EXPECT_NO_THROW(ctx.check_all_used());
}

TEST(ReservedWords, CaseInsensitiveLookup) {
  EXPECT_TRUE(is_reserved_word("status"));
  EXPECT_TRUE(is_reserved_word("ABORT"));
  EXPECT_TRUE(is_reserved_word("Zone"));
  EXPECT_TRUE(is_reserved_word("name"));
  EXPECT_FALSE(is_reserved_word("statuses"));
  EXPECT_FALSE(is_reserved_word("id"));
}

// ---- Key conditions -----------------------------------------------------------------------------

KeyCondition key(const char* expr, const char* values,
                 std::optional<std::string> range = std::string("sk")) {
  ExpressionContext ctx(Json(), j(values));
  return parse_key_condition(expr, ctx, "pk", range);
}

std::string key_error(const char* expr, const char* values = R"({":a": {"S": "x"}})",
                      std::optional<std::string> range = std::string("sk")) {
  return error_of([&] { key(expr, values, range); });
}

TEST(KeyConditionExpression, HashAndRange) {
  auto k = key("pk = :p", R"({":p": {"S": "x"}})");
  EXPECT_EQ(k.hash_name, "pk");
  EXPECT_EQ(k.hash_value, j(R"({"S": "x"})"));
  EXPECT_FALSE(k.range.has_value());

  k = key("sk BETWEEN :a AND :b AND pk = :p",
          R"({":p": {"S": "x"}, ":a": {"N": "1"}, ":b": {"N": "5"}})");
  ASSERT_TRUE(k.range.has_value());
  EXPECT_EQ(k.range->op, RangeOperator::Between);
  EXPECT_TRUE(k.matches(j(R"({"pk": {"S": "x"}, "sk": {"N": "3"}})")));
  EXPECT_FALSE(k.matches(j(R"({"pk": {"S": "x"}, "sk": {"N": "6"}})")));
  EXPECT_FALSE(k.matches(j(R"({"pk": {"S": "y"}, "sk": {"N": "3"}})")));

  // The value on the left flips the operator.
  k = key(":p = pk AND :c < sk", R"({":p": {"S": "x"}, ":c": {"N": "5"}})");
  EXPECT_EQ(k.range->op, RangeOperator::GT);
  EXPECT_TRUE(k.range->matches(j(R"({"N": "6"})")));

  k = key("pk = :p AND begins_with(sk, :c)", R"({":p": {"S": "x"}, ":c": {"S": "ab"}})");
  EXPECT_EQ(k.range->op, RangeOperator::BeginsWith);
  EXPECT_TRUE(k.range->matches(j(R"({"S": "abc"})")));
  EXPECT_FALSE(k.range->matches(j(R"({"S": "ba"})")));

  // Parentheses are allowed around each condition and the whole.
  k = key("((sk <= :c) AND (pk = :p))", R"({":p": {"S": "x"}, ":c": {"N": "5"}})");
  EXPECT_EQ(k.range->op, RangeOperator::LE);
}

TEST(KeyConditionExpression, Errors) {
  const char* pv = R"({":p": {"S": "x"}, ":c": {"N": "5"}})";
  EXPECT_EQ(key_error("pk < :p", pv), "Query key condition not supported");
  EXPECT_EQ(key_error("sk = :c", pv), "Query condition missed key schema element: pk");
  EXPECT_EQ(key_error("pk = :p AND extra = :c", pv),
            "Query condition missed key schema element: sk");
  EXPECT_EQ(key_error("pk = :p AND sk = :c", pv, std::nullopt),
            "Query key condition not supported");
  EXPECT_EQ(key_error("pk = :p AND pk = :p", pv),
            "KeyConditionExpressions must only contain one condition per key");
  EXPECT_EQ(key_error("pk = :p AND sk > :c AND sk < :c", pv),
            "KeyConditionExpressions must only contain one condition per key");
  EXPECT_EQ(key_error("pk = :p AND sk > :c AND x < :c AND y < :c", pv),
            "Conditions can be of length 1 or 2 only");
  EXPECT_EQ(key_error("pk = :p OR sk = :c", pv),
            "Invalid operator used in KeyConditionExpression: OR");
  EXPECT_EQ(key_error("NOT sk = :c AND pk = :p", pv),
            "Invalid operator used in KeyConditionExpression: NOT");
  EXPECT_EQ(key_error("pk = :p AND sk IN (:c)", pv),
            "Invalid operator used in KeyConditionExpression: IN");
  EXPECT_EQ(key_error("pk = :p AND sk <> :c", pv),
            "Invalid operator used in KeyConditionExpression: <>");
  EXPECT_EQ(key_error("pk = :p AND attribute_exists(sk)", pv),
            "Invalid operator used in KeyConditionExpression: attribute_exists");
  EXPECT_EQ(key_error("pk = :p AND size(sk) > :c", pv),
            "KeyConditionExpressions cannot contain nested operations");
  EXPECT_EQ(key_error("pk = :p AND sk.x > :c", pv),
            "KeyConditionExpressions cannot have conditions on nested attributes");
  EXPECT_EQ(key_error("pk = sk"),
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in one "
            "condition");
  EXPECT_EQ(key_error(":p = :c", pv),
            "Invalid condition in KeyConditionExpression: No key attribute specified");
  EXPECT_EQ(key_error("pk = :p AND :c BETWEEN sk AND :c", pv),
            "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key "
            "attribute as its first operand");
  EXPECT_EQ(key_error("pk = :p AND begins_with(sk, :c)", pv),
            "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: begins_with, operand type: N");
  EXPECT_EQ(key_error("pk = :p AND dog(sk, :c)", pv),
            "Invalid KeyConditionExpression: Invalid function name; function: dog");
  EXPECT_EQ(key_error(""), "Invalid KeyConditionExpression: The expression can not be empty;");
  EXPECT_EQ(key_error("pk = :p AND sk != :c", pv),
            "Invalid KeyConditionExpression: Syntax error; token: \"!\", near: \"sk !=\"");
}

// ---- Projections --------------------------------------------------------------------------------

Json project(const char* expr, const Json& item = sample_item(), const char* names = nullptr) {
  ExpressionContext ctx(names ? j(names) : Json(), Json());
  auto p = parse_projection(expr, ctx);
  ctx.check_all_used();
  return p.project(item);
}

TEST(ProjectionExpression, TopLevelNestedAndListElements) {
  EXPECT_EQ(project("id, n"), j(R"({"id": {"S": "k1"}, "n": {"N": "5"}})"));
  EXPECT_EQ(project("mp.nest.y"), j(R"({"mp": {"M": {"nest": {"M": {"y": {"S": "why"}}}}}})"));
  // List elements are packed in index order.
  EXPECT_EQ(project("lst[2][0], lst[0]"),
            j(R"({"lst": {"L": [{"S": "a"}, {"L": [{"S": "deep"}]}]}})"));
  EXPECT_EQ(project("absent, mp.nope, lst[7]"), Json::object());
  EXPECT_EQ(project("#s, mp.#x", sample_item(), R"({"#s": "s", "#x": "x"})"),
            j(R"({"s": {"S": "hello world"}, "mp": {"M": {"x": {"N": "1"}}}})"));
}

TEST(ProjectionExpression, Errors) {
  auto err = [](const char* expr, const char* names = nullptr) {
    return error_of([&] { project(expr, sample_item(), names); });
  };
  EXPECT_EQ(err(""), "Invalid ProjectionExpression: The expression can not be empty;");
  EXPECT_EQ(err("a, status"),
            "Invalid ProjectionExpression: Attribute name is a reserved "
            "keyword; reserved keyword: status");
  EXPECT_EQ(err("#a"),
            "Invalid ProjectionExpression: An expression attribute name used in the "
            "document path is not defined; attribute name: #a");
  EXPECT_EQ(err("a, a.b"),
            "Invalid ProjectionExpression: Two document paths overlap with each "
            "other; must remove or rewrite one of these paths; path one: [a], "
            "path two: [a, b]");
  EXPECT_EQ(err("a.b, a[0]"),
            "Invalid ProjectionExpression: Two document paths conflict with "
            "each other; must remove or rewrite one of these paths; path one: "
            "[a, b], path two: [a, [0]]");
  EXPECT_EQ(err("a b"), "Invalid ProjectionExpression: Syntax error; token: \"b\", near: \"a b\"");
  EXPECT_EQ(err("a[x]"), "Invalid ProjectionExpression: Syntax error; token: \"x\", near: \"[x]\"");
}

// ---- Updates ------------------------------------------------------------------------------------

UpdateResult update(const char* expr, const Json& item, const char* values = nullptr,
                    const char* names = nullptr) {
  ExpressionContext ctx(names ? j(names) : Json(), values ? j(values) : Json());
  auto u = parse_update(expr, ctx);
  ctx.check_all_used();
  return u.apply(item);
}

std::string update_error(const char* expr, const Json& item, const char* values = nullptr,
                         const char* names = nullptr) {
  return error_of([&] { update(expr, item, values, names); });
}

TEST(UpdateExpression, SetValuesArithmeticAndFunctions) {
  Json item = j(R"({"id": {"S": "k"}, "n": {"N": "5"}, "l": {"L": [{"N": "1"}]}})");
  auto r = update("SET a = :v, n = n + :one, m = :one - n, l = list_append(l, :l)", item,
                  R"({":v": {"S": "x"}, ":one": {"N": "1"}, ":l": {"L": [{"N": "2"}]}})");
  EXPECT_EQ(r.item["a"], j(R"({"S": "x"})"));
  EXPECT_EQ(r.item["n"], j(R"({"N": "6"})"));
  EXPECT_EQ(r.item["m"], j(R"({"N": "-4"})"));  // read from the item before the update
  EXPECT_EQ(r.item["l"], j(R"({"L": [{"N": "1"}, {"N": "2"}]})"));
  EXPECT_EQ(r.changed, (std::set<std::string>{"a", "n", "m", "l"}));

  r = update("SET c = if_not_exists(c, :zero) + :one, n = if_not_exists(n, :zero)", item,
             R"({":zero": {"N": "0"}, ":one": {"N": "1"}})");
  EXPECT_EQ(r.item["c"], j(R"({"N": "1"})"));
  EXPECT_EQ(r.item["n"], j(R"({"N": "5"})"));

  r = update("set l = list_append(:l, l)", item, R"({":l": {"L": [{"N": "0"}]}})");
  EXPECT_EQ(r.item["l"], j(R"({"L": [{"N": "0"}, {"N": "1"}]})"));

  r = update("SET x = (:a + :b)", Json::object(), R"({":a": {"N": "0.1"}, ":b": {"N": "0.2"}})");
  EXPECT_EQ(r.item["x"], j(R"({"N": "0.3"})"));
}

TEST(UpdateExpression, NestedSetAndRemove) {
  Json item = j(R"({"m": {"M": {"a": {"N": "1"}}}, "l": {"L": [{"S": "a"}, {"S": "b"},
                  {"S": "c"}, {"S": "d"}]}})");
  auto r = update("SET m.b = :v, l[1] = :v, l[10] = :w", item,
                  R"({":v": {"S": "new"}, ":w": {"S": "end"}})");
  EXPECT_EQ(r.item["m"], j(R"({"M": {"a": {"N": "1"}, "b": {"S": "new"}}})"));
  // Past the end appends.
  EXPECT_EQ(r.item["l"]["L"].size(), 5u);
  EXPECT_EQ(r.item["l"]["L"][1], j(R"({"S": "new"})"));
  EXPECT_EQ(r.item["l"]["L"][4], j(R"({"S": "end"})"));

  // REMOVE positions refer to the original list.
  r = update("REMOVE l[0], l[2], m.a, absent, l[9]", item);
  EXPECT_EQ(r.item["l"], j(R"({"L": [{"S": "b"}, {"S": "d"}]})"));
  EXPECT_EQ(r.item["m"], j(R"({"M": {}})"));
  EXPECT_EQ(r.changed, (std::set<std::string>{"l", "m", "absent"}));
  EXPECT_EQ(r.updated_paths.size(), 5u);
  EXPECT_EQ(project_paths(item, {r.updated_paths[2]}), j(R"({"m": {"M": {"a": {"N": "1"}}}})"));
}

TEST(UpdateExpression, AddAndDelete) {
  Json item = j(R"({"n": {"N": "5"}, "tags": {"SS": ["a", "b"]}, "nums": {"NS": ["1"]}})");
  auto r = update("ADD n :two, tags :t, newnum :two, newset :s, nums :ns", item,
                  R"({":two": {"N": "2"}, ":t": {"SS": ["b", "c"]}, ":s": {"SS": ["z"]},
                      ":ns": {"NS": ["1.0", "3"]}})");
  EXPECT_EQ(r.item["n"], j(R"({"N": "7"})"));
  EXPECT_EQ(r.item["tags"], j(R"({"SS": ["a", "b", "c"]})"));
  EXPECT_EQ(r.item["newnum"], j(R"({"N": "2"})"));
  EXPECT_EQ(r.item["newset"], j(R"({"SS": ["z"]})"));
  EXPECT_EQ(r.item["nums"], j(R"({"NS": ["1", "3"]})"));

  r = update("DELETE tags :t, absent :t", item, R"({":t": {"SS": ["a", "x"]}})");
  EXPECT_EQ(r.item["tags"], j(R"({"SS": ["b"]})"));
  EXPECT_FALSE(r.item.contains("absent"));
  // Deleting every member removes the attribute.
  r = update("DELETE tags :t", item, R"({":t": {"SS": ["a", "b"]}})");
  EXPECT_FALSE(r.item.contains("tags"));
}

TEST(UpdateExpression, ApplyErrors) {
  Json item = j(R"({"s": {"S": "x"}, "n": {"N": "1"}, "tags": {"SS": ["a"]}})");
  const char* type =
      "An operand in the update expression has an "
      "incorrect data type";
  EXPECT_EQ(update_error("SET n = s + :one", item, R"({":one": {"N": "1"}})"), type);
  EXPECT_EQ(update_error("SET s = list_append(s, :l)", item, R"({":l": {"L": []}})"), type);
  EXPECT_EQ(update_error("ADD s :one", item, R"({":one": {"N": "1"}})"), type);
  EXPECT_EQ(update_error("ADD tags :ns", item, R"({":ns": {"NS": ["1"]}})"), type);
  EXPECT_EQ(update_error("DELETE n :t", item, R"({":t": {"SS": ["a"]}})"), type);
  EXPECT_EQ(update_error("SET n = absent", item),
            "The provided expression refers to an attribute that does "
            "not exist in the item");
  const char* bad_path =
      "The document path provided in the update expression is invalid for "
      "update";
  EXPECT_EQ(update_error("SET nope.x = :one", item, R"({":one": {"N": "1"}})"), bad_path);
  EXPECT_EQ(update_error("SET s.x = :one", item, R"({":one": {"N": "1"}})"), bad_path);
  EXPECT_EQ(update_error("SET s[0] = :one", item, R"({":one": {"N": "1"}})"), bad_path);
  EXPECT_EQ(update_error("SET n = :big + :tenth", item,
                         R"({":big": {"N": "12345678901234567890123456789012345678"},
                             ":tenth": {"N": "0.1"}})"),
            // Number's message: DynamoDB calls a sum needing 39 digits an overflow.
            "Number overflow. Attempting to store a number with magnitude larger than supported "
            "range");
}

TEST(UpdateExpression, ParseErrors) {
  Json item = Json::object();
  const char* v = R"({":v": {"N": "1"}})";
  EXPECT_EQ(update_error("", item), "Invalid UpdateExpression: The expression can not be empty;");
  EXPECT_EQ(update_error("INVALID SYNTAX HERE", item),
            "Invalid UpdateExpression: Syntax error; token: \"INVALID\", near: \"INVALID SYNTAX\"");
  EXPECT_EQ(update_error("ADD hits : incr", item),
            "Invalid UpdateExpression: Syntax error; token: \":\", near: \"hits : incr\"");
  EXPECT_EQ(update_error("SET a = :v SET b = :v", item, v),
            "Invalid UpdateExpression: The \"SET\" section can only be used once in an update "
            "expression;");
  EXPECT_EQ(update_error("SET a = :v, a = :v", item, v),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove "
            "or rewrite one of these paths; path one: [a], path two: [a]");
  EXPECT_EQ(update_error("SET a = :v REMOVE a.b", item, v),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove "
            "or rewrite one of these paths; path one: [a], path two: [a, b]");
  EXPECT_EQ(update_error("SET a.b = :v REMOVE a[1]", item, v),
            "Invalid UpdateExpression: Two document paths conflict with each other; must remove "
            "or rewrite one of these paths; path one: [a, b], path two: [a, [1]]");
  EXPECT_EQ(update_error("SET a = foo(b)", item),
            "Invalid UpdateExpression: Invalid function name; function: foo");
  EXPECT_EQ(update_error("SET a = list_append(:v)", item, v),
            "Invalid UpdateExpression: Incorrect number of operands for operator or function; "
            "operator or function: list_append, number of operands: 1");
  EXPECT_EQ(update_error("SET a = if_not_exists(:v, :v)", item, v),
            "Invalid UpdateExpression: Operator or function requires a document path; operator "
            "or function: if_not_exists");
  EXPECT_EQ(update_error("SET a = list_append(a, :v)", item, v),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; "
            "operator or function: list_append, operand type: N");
  EXPECT_EQ(update_error("SET a = a + :s", item, R"({":s": {"S": "x"}})"),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; "
            "operator or function: +, operand type: S");
  EXPECT_EQ(update_error("ADD a :s", item, R"({":s": {"S": "x"}})"),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; "
            "operator: ADD, operand type: STRING");
  EXPECT_EQ(update_error("DELETE a :v", item, v),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; "
            "operator: DELETE, operand type: NUMBER");
  EXPECT_EQ(update_error("SET #a = :v", item, v),
            "Invalid UpdateExpression: An expression attribute name used in the document path "
            "is not defined; attribute name: #a");
  EXPECT_EQ(update_error("SET a = :w", item),
            "Invalid UpdateExpression: An expression attribute value used in expression is not "
            "defined; attribute value: :w");
  EXPECT_EQ(update_error("SET status = :v", item, v),
            "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: "
            "status");
  // Reserved words are reported before everything else in an update.
  EXPECT_EQ(update_error("SET a = foo(b), status = :v", item, v),
            "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: "
            "status");
}

// ---- Size limit --------------------------------------------------------------------------------

// Every expression parameter is capped at 4096 bytes of raw text, before placeholders resolve.
TEST(ExpressionSize, FourKilobytesAcceptedOneMoreRejected) {
  auto projection_of_size = [](std::size_t bytes) {
    std::string text = "s, n";
    text.append(bytes - text.size(), ' ');  // spaces count too
    return text;
  };
  std::string at_limit = projection_of_size(4096), over = projection_of_size(4097);
  ASSERT_EQ(at_limit.size(), 4096u);
  EXPECT_EQ(error_of([&] { project(at_limit.c_str(), sample_item()); }), "");
  EXPECT_EQ(error_of([&] { project(over.c_str(), sample_item()); }),
            "Invalid ProjectionExpression: Expression size has exceeded the maximum allowed "
            "size; expression size: 4097");
  std::string condition = "a = :v" + std::string(4100, ' ');
  EXPECT_EQ(condition_error(condition.c_str(), R"({":v": {"N": "1"}})"),
            "Invalid ConditionExpression: Expression size has exceeded the maximum allowed "
            "size; expression size: 4106");
}

}  // namespace
}  // namespace serverlite::table
