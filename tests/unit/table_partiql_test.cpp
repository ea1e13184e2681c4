#include "services/table/partiql.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "services/table/expression.hpp"

namespace serverlite::table::partiql {
namespace {

Json j(const char* text) { return Json::parse(text); }

Plan p(std::string_view statement, const char* parameters = nullptr) {
  return parse(statement, parameters ? j(parameters) : Json());
}

// The message parse() throws ("" when it does not throw).
std::string error_of(std::string_view statement, const char* parameters = nullptr) {
  try {
    p(statement, parameters);
  } catch (const Error& e) {
    EXPECT_EQ(e.code, "ValidationException");
    return e.message;
  }
  return "";
}

const std::string kMalformed = "Statement wasn't well formed, can't be processed: ";

// ---- SELECT -----------------------------------------------------------------------------------

TEST(PartiqlSelect, StarWithoutWhere) {
  Plan plan = p(R"(SELECT * FROM "Music")");
  EXPECT_EQ(plan.kind, Kind::Select);
  EXPECT_EQ(plan.table, "Music");
  EXPECT_FALSE(plan.index);
  EXPECT_EQ(plan.projection, "");
  EXPECT_EQ(plan.condition, "");
  EXPECT_EQ(plan.names, Json::object());
  EXPECT_EQ(plan.values, Json::object());
  EXPECT_TRUE(plan.equalities.empty());
  EXPECT_EQ(plan.returning, Returning::None);
}

TEST(PartiqlSelect, KeywordsAreCaseInsensitiveAndTablesMayBeBare) {
  Plan plan = p("select * from Music where Artist = 'Acme'");
  EXPECT_EQ(plan.table, "Music");
  EXPECT_EQ(plan.condition, "#n0 = :v0");
  EXPECT_EQ(plan.names, j(R"({"#n0": "Artist"})"));
  EXPECT_EQ(plan.values, j(R"({":v0": {"S": "Acme"}})"));
  EXPECT_EQ(plan.equalities.at("Artist"), j(R"({"S": "Acme"})"));
}

TEST(PartiqlSelect, IndexAndProjectionPaths) {
  Plan plan = p(R"(SELECT a, "odd-name", m.x, l[2], m.l[0].y, "q".z, m['k k'] FROM "T"."ByA")");
  EXPECT_EQ(plan.table, "T");
  EXPECT_EQ(plan.index, "ByA");
  EXPECT_EQ(plan.projection, "#n0, #n1, #n2.#n3, #n4[2], #n2.#n4[0].#n5, #n6.#n7, #n2.#n8");
  EXPECT_EQ(plan.names, j(R"({"#n0": "a", "#n1": "odd-name", "#n2": "m", "#n3": "x",
                             "#n4": "l", "#n5": "y", "#n6": "q", "#n7": "z", "#n8": "k k"})"));
}

TEST(PartiqlSelect, QuotedIdentifiersEscapeQuotes) {
  Plan plan = p(R"(SELECT "say ""hi""" FROM "my""table")");
  EXPECT_EQ(plan.table, "my\"table");
  EXPECT_EQ(plan.names, j(R"({"#n0": "say \"hi\""})"));
}

TEST(PartiqlSelect, NamesAreSharedBetweenProjectionAndCondition) {
  Plan plan = p("SELECT a, b FROM t WHERE a = 1 AND b > 2 AND a <> 3");
  EXPECT_EQ(plan.projection, "#n0, #n1");
  EXPECT_EQ(plan.condition, "#n0 = :v0 AND #n1 > :v1 AND #n0 <> :v2");
  EXPECT_EQ(plan.names.size(), 2u);
  EXPECT_EQ(plan.values.size(), 3u);
}

TEST(PartiqlSelect, ReservedExpressionWordsNeedNoCare) {
  // "status" and "name" are DynamoDB expression reserved words but not PartiQL keywords.
  Plan plan = p("SELECT status FROM t WHERE name = 'x'");
  EXPECT_EQ(plan.projection, "#n0");
  EXPECT_EQ(plan.condition, "#n1 = :v0");
}

TEST(PartiqlSelect, OrderBy) {
  Plan plan = p("SELECT * FROM t WHERE pk = 1 ORDER BY sk DESC, other ASC, third");
  ASSERT_EQ(plan.order_by.size(), 3u);
  EXPECT_EQ(plan.order_by[0], (OrderKey{"sk", true}));
  EXPECT_EQ(plan.order_by[1], (OrderKey{"other", false}));
  EXPECT_EQ(plan.order_by[2], (OrderKey{"third", false}));
  EXPECT_EQ(error_of("SELECT * FROM t ORDER BY pk"),
            "Must have WHERE clause in the statement when using ORDER BY clause.");
}

TEST(PartiqlSelect, CommentsAndTrailingSemicolon) {
  Plan plan = p("SELECT * -- all of it\n FROM /* the table */ t WHERE a = 1;");
  EXPECT_EQ(plan.table, "t");
  EXPECT_EQ(plan.condition, "#n0 = :v0");
}

// ---- Literals ---------------------------------------------------------------------------------

Json where_value(const std::string& literal) {
  Plan plan = p("SELECT * FROM t WHERE a = " + literal);
  EXPECT_EQ(plan.condition, "#n0 = :v0");
  return plan.values[":v0"];
}

TEST(PartiqlLiterals, EveryType) {
  EXPECT_EQ(where_value("'text'"), j(R"({"S": "text"})"));
  EXPECT_EQ(where_value("'it''s'"), j(R"({"S": "it's"})"));
  EXPECT_EQ(where_value("''"), j(R"({"S": ""})"));
  EXPECT_EQ(where_value("'?'"), j(R"({"S": "?"})"));
  EXPECT_EQ(where_value("12.50"), j(R"({"N": "12.5"})"));
  EXPECT_EQ(where_value("1e3"), j(R"({"N": "1000"})"));
  EXPECT_EQ(where_value("-7"), j(R"({"N": "-7"})"));
  EXPECT_EQ(where_value(".5"), j(R"({"N": "0.5"})"));
  EXPECT_EQ(where_value("TRUE"), j(R"({"BOOL": true})"));
  EXPECT_EQ(where_value("false"), j(R"({"BOOL": false})"));
  EXPECT_EQ(where_value("NULL"), j(R"({"NULL": true})"));
  EXPECT_EQ(where_value("[1, 'a', [true]]"),
            j(R"({"L": [{"N": "1"}, {"S": "a"}, {"L": [{"BOOL": true}]}]})"));
  EXPECT_EQ(where_value("[]"), j(R"({"L": []})"));
  EXPECT_EQ(where_value("{'k': 1, 'n': {'x': 'y'}}"),
            j(R"({"M": {"k": {"N": "1"}, "n": {"M": {"x": {"S": "y"}}}}})"));
  EXPECT_EQ(where_value("{}"), j(R"({"M": {}})"));
  EXPECT_EQ(where_value("<<'a', 'b'>>"), j(R"({"SS": ["a", "b"]})"));
  EXPECT_EQ(where_value("<<1, 2.50>>"), j(R"({"NS": ["1", "2.5"]})"));
}

TEST(PartiqlLiterals, SetErrors) {
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a = <<>>"), "Empty bags are not supported");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a = <<1, 'a'>>"),
            "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in "
            "bags");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a = <<true>>"),
            "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in "
            "bags");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a = <<'a', 'a'>>"),
            "One or more parameter values were invalid: Input collection [a, a] contains "
            "duplicates.");
}

TEST(PartiqlLiterals, NumberErrorsNameTheirPlace) {
  const std::string overflow =
      "Number overflow. Attempting to store a number with magnitude larger than supported range";
  EXPECT_EQ(error_of("SELECT * FROM t WHERE pk = 1e126"), overflow + " under root");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE pk = 1e-131"),
            "Number underflow. Attempting to store a number with magnitude smaller than "
            "supported range under root");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE pk = 123456789012345678901234567890123456789"),
            "Attempting to store more than 38 significant digits in a Number under root");
  EXPECT_EQ(error_of("INSERT INTO t VALUE {'pk': 1, 'm': {'x': 1e126}}"),
            overflow + " under root.x");
  EXPECT_EQ(error_of("INSERT INTO t VALUE {'pk': 1, 'l': [1, 1e126]}"),
            overflow + " under root[1]");
  EXPECT_EQ(error_of("UPDATE t SET a = 1e126 WHERE pk = 1"), overflow + " under root");
  // Exponents and scales beyond 32 bits are refused by the lexer, with no detail.
  EXPECT_EQ(error_of("SELECT * FROM t WHERE pk = 1e2147483648"), kMalformed);
  EXPECT_EQ(error_of("SELECT * FROM t WHERE pk = 1.5e-2147483647"), kMalformed);
}

TEST(PartiqlLiterals, TupleKeys) {
  EXPECT_EQ(error_of("INSERT INTO t VALUE {'a': 1, 'a': 2}"),
            "Duplicate keys in tuple. Key: a under root");
  EXPECT_EQ(error_of("INSERT INTO t VALUE {1: 2}"),
            "Tuple keys must be of type String. Actual type: N under root");
}

TEST(PartiqlLiterals, MissingOnlyAfterIs) {
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a = MISSING"),
            "MISSING must be compared using IS operator");
  EXPECT_EQ(error_of("UPDATE t SET a = MISSING WHERE pk = 1"),
            "MISSING must be compared using IS operator");
}

// ---- Parameters -------------------------------------------------------------------------------

TEST(PartiqlParameters, BoundInOrder) {
  Plan plan = p("SELECT * FROM t WHERE pk = ? AND sk BETWEEN ? AND ?",
                R"([{"S": "p"}, {"N": "1"}, {"N": "9"}])");
  EXPECT_EQ(plan.condition, "#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2");
  EXPECT_EQ(plan.values, j(R"({":v0": {"S": "p"}, ":v1": {"N": "1"}, ":v2": {"N": "9"}})"));
  EXPECT_EQ(plan.equalities.at("pk"), j(R"({"S": "p"})"));
}

TEST(PartiqlParameters, NumbersAreCanonicalised) {
  Plan plan = p("SELECT * FROM t WHERE pk = ?", R"([{"N": "01.50"}])");
  EXPECT_EQ(plan.values[":v0"], j(R"({"N": "1.5"})"));
}

TEST(PartiqlParameters, BinaryOnlyThroughParameters) {
  Plan plan = p("INSERT INTO t VALUE {'pk': ?, 'bin': ?, 'bs': <<?, ?>>}",
                R"([{"S": "k"}, {"B": "AQID"}, {"B": "AQ=="}, {"B": "Ag=="}])");
  EXPECT_EQ(plan.item,
            j(R"({"pk": {"S": "k"}, "bin": {"B": "AQID"}, "bs": {"BS": ["AQ==", "Ag=="]}})"));
}

TEST(PartiqlParameters, ParameterAsTupleKey) {
  Plan plan = p("INSERT INTO t VALUE {?: 1}", R"([{"S": "dyn"}])");
  EXPECT_EQ(plan.item, j(R"({"dyn": {"N": "1"}})"));
}

TEST(PartiqlParameters, CountMustMatch) {
  const std::string mismatch = "Number of parameters in request and statement don't match.";
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a = ?"), mismatch);
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a = ? AND b = ?", R"([{"S": "x"}])"), mismatch);
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a = 1", R"([{"S": "x"}])"), mismatch);
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a = '?'", "[]"), "");
  // Syntax errors come first.
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a = ? foo"),
            kMalformed + "Unexpected token after expression");
}

TEST(PartiqlParameters, InvalidParameterValues) {
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a = ?", R"([{"N": "abc"}])"),
            "The parameter cannot be converted to a numeric value: abc");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a = ?", R"([{}])"),
            "Supplied AttributeValue is empty, must contain exactly one of the supported "
            "datatypes");
}

// ---- WHERE forms ------------------------------------------------------------------------------

std::string where(const std::string& condition, const char* parameters = nullptr) {
  return p("SELECT * FROM t WHERE " + condition, parameters).condition;
}

TEST(PartiqlWhere, Comparators) {
  EXPECT_EQ(where("a = 1"), "#n0 = :v0");
  EXPECT_EQ(where("a <> 1"), "#n0 <> :v0");
  EXPECT_EQ(where("a != 1"), "#n0 <> :v0");
  EXPECT_EQ(where("a < 1"), "#n0 < :v0");
  EXPECT_EQ(where("a <= 1"), "#n0 <= :v0");
  EXPECT_EQ(where("a > 1"), "#n0 > :v0");
  EXPECT_EQ(where("a >= 1"), "#n0 >= :v0");
  EXPECT_EQ(where("1 < a"), ":v0 < #n0");
  EXPECT_EQ(where("a = b"), "#n0 = #n1");
  EXPECT_EQ(where("a.b[1] = 'x'"), "#n0.#n1[1] = :v0");
}

TEST(PartiqlWhere, LogicalOperatorsKeepPrecedenceWithSingleParentheses) {
  EXPECT_EQ(where("a = 1 AND b = 2 OR c = 3"), "#n0 = :v0 AND #n1 = :v1 OR #n2 = :v2");
  EXPECT_EQ(where("a = 1 AND (b = 2 OR c = 3)"), "#n0 = :v0 AND (#n1 = :v1 OR #n2 = :v2)");
  EXPECT_EQ(where("((a = 1))"), "#n0 = :v0");
  EXPECT_EQ(where("NOT a = 1"), "NOT #n0 = :v0");
  EXPECT_EQ(where("NOT (a = 1 OR b = 2)"), "NOT (#n0 = :v0 OR #n1 = :v1)");
  EXPECT_EQ(where("NOT NOT a = 1"), "NOT NOT #n0 = :v0");
  EXPECT_EQ(where("(a = 1 OR b = 2) AND (c = 3 OR d = 4)"),
            "(#n0 = :v0 OR #n1 = :v1) AND (#n2 = :v2 OR #n3 = :v3)");
}

TEST(PartiqlWhere, BetweenAndIn) {
  EXPECT_EQ(where("a BETWEEN 1 AND 5"), "#n0 BETWEEN :v0 AND :v1");
  EXPECT_EQ(where("a BETWEEN 1 AND 5 AND b = 2"), "#n0 BETWEEN :v0 AND :v1 AND #n1 = :v2");
  EXPECT_EQ(where("a NOT BETWEEN 1 AND 5"), "NOT #n0 BETWEEN :v0 AND :v1");
  EXPECT_EQ(where("a IN [1, 2, 3]"), "#n0 IN (:v0, :v1, :v2)");
  EXPECT_EQ(where("a IN (1, 2)"), "#n0 IN (:v0, :v1)");
  EXPECT_EQ(where("a IN (1)"), "#n0 IN (:v0)");
  EXPECT_EQ(where("a NOT IN ['x']"), "NOT #n0 IN (:v0)");
  const std::string bad_in =
      "IN operator must have a left hand argument of type Variable Reference and right hand "
      "argument of type Seq with at least one member";
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a IN []"), bad_in);
  EXPECT_EQ(error_of("SELECT * FROM t WHERE 1 IN [1]"), bad_in);
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a IN 1"), bad_in);
}

TEST(PartiqlWhere, IsMissingNullAndTypes) {
  EXPECT_EQ(where("a IS MISSING"), "attribute_not_exists(#n0)");
  EXPECT_EQ(where("a IS NOT MISSING"), "attribute_exists(#n0)");
  Plan plan = p("SELECT * FROM t WHERE a IS NULL AND b IS NOT STRING AND c.d IS TUPLE");
  EXPECT_EQ(plan.condition,
            "attribute_type(#n0, :v0) AND NOT attribute_type(#n1, :v1) AND "
            "attribute_type(#n2.#n3, :v2)");
  EXPECT_EQ(plan.values, j(R"({":v0": {"S": "NULL"}, ":v1": {"S": "S"}, ":v2": {"S": "M"}})"));
  EXPECT_EQ(p("SELECT * FROM t WHERE a IS BOOLEAN").values[":v0"], j(R"({"S": "BOOL"})"));
  EXPECT_EQ(p("SELECT * FROM t WHERE a IS BLOB").values[":v0"], j(R"({"S": "B"})"));
  EXPECT_EQ(p("SELECT * FROM t WHERE a IS NUMERIC").values[":v0"], j(R"({"S": "N"})"));
  EXPECT_EQ(p("SELECT * FROM t WHERE a IS STRUCT").values[":v0"], j(R"({"S": "M"})"));
  EXPECT_EQ(p("SELECT * FROM t WHERE a IS LIST").values[":v0"], j(R"({"S": "L"})"));
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a IS INT"),
            "Unsupported data type for IS operator: INT. Supported data types are [MISSING, "
            "NULL, BOOLEAN, BLOB, STRING, NUMERIC, STRUCT, TUPLE, LIST]");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a IS DOUBLE PRECISION"),
            "Unsupported data type for IS operator: DOUBLE PRECISION. Supported data types are "
            "[MISSING, NULL, BOOLEAN, BLOB, STRING, NUMERIC, STRUCT, TUPLE, LIST]");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE pk = 'a' AND x IS FOO"),
            kMalformed + "Expected type name");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE 'a' IS STRING"),
            "The left hand side argument to IS must be a Variable Reference, Literal, or Path");
}

TEST(PartiqlWhere, Functions) {
  EXPECT_EQ(where("begins_with(a, 'x')"), "begins_with(#n0, :v0)");
  EXPECT_EQ(where("BEGINS_WITH(\"a\", 'x')"), "begins_with(#n0, :v0)");
  EXPECT_EQ(where("contains(tags, 'red')"), "contains(#n0, :v0)");
  EXPECT_EQ(where("attribute_type(a, 'S')"), "attribute_type(#n0, :v0)");
  EXPECT_EQ(where("attribute_exists(a.b)"), "attribute_exists(#n0.#n1)");
  EXPECT_EQ(where("attribute_not_exists(a)"), "attribute_not_exists(#n0)");
  EXPECT_EQ(where("size(a) > 3"), "size(#n0) > :v0");
  EXPECT_EQ(where("SIZE(a.b) BETWEEN 1 AND 2"), "size(#n0.#n1) BETWEEN :v0 AND :v1");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE lcase(a) = 'X'"), "Unrecognized function: lcase");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE NOT foo(a)"), "Unrecognized function: foo");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE foo(a)"), "Unrecognized function: foo");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE begins_with(a)"),
            "Incorrect number of arguments for function begins_with: expected 2, got 1");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE size(a)"),
            "WHERE clause must contain an expression that resolves to a boolean");
}

TEST(PartiqlWhere, UnsupportedForms) {
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a"),
            "WHERE clause must contain an expression that resolves to a boolean");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE TRUE"),
            "WHERE clause must contain an expression that resolves to a boolean");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a = 1 AND b"),
            "The arguments to AND/OR must be Expressions");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE NOT b"),
            "The argument to NOT must be a Type or Expression");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a + 1 = 2"),
            "Unsupported operator in Condition Expression. Operator: +");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a LIKE 'x%'"),
            "Unsupported operator in Condition Expression. Operator: LIKE");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE (a = 1) = TRUE"),
            "Unsupported operator in Condition Expression. Operator: =");
}

// ---- equalities and in_lists ------------------------------------------------------------------

TEST(PartiqlKeys, TopLevelConjunctsOnly) {
  Plan plan = p("SELECT * FROM t WHERE pk = 'a' AND 5 = sk AND x > 1 AND m.y = 2 AND l[0] = 3");
  EXPECT_EQ(plan.equalities.size(), 2u);
  EXPECT_EQ(plan.equalities.at("pk"), j(R"({"S": "a"})"));
  EXPECT_EQ(plan.equalities.at("sk"), j(R"({"N": "5"})"));

  EXPECT_TRUE(p("SELECT * FROM t WHERE a = 1 OR b = 2").equalities.empty());
  EXPECT_TRUE(p("SELECT * FROM t WHERE NOT a = 1").equalities.empty());
  EXPECT_TRUE(p("SELECT * FROM t WHERE a = b").equalities.empty());
  EXPECT_TRUE(p("SELECT * FROM t WHERE a <> 1").equalities.empty());

  Plan nested = p("SELECT * FROM t WHERE (pk = 1 AND sk = 2) AND (x = 3 OR y = 4)");
  EXPECT_EQ(nested.equalities.size(), 2u);
  EXPECT_TRUE(nested.equalities.count("pk") && nested.equalities.count("sk"));

  // The first equality on an attribute wins.
  EXPECT_EQ(p("SELECT * FROM t WHERE pk = 1 AND pk = 2").equalities.at("pk"), j(R"({"N": "1"})"));
}

TEST(PartiqlKeys, InLists) {
  Plan plan = p("SELECT * FROM t WHERE pk IN [1, ?, 3] AND sk = 'x'", R"([{"N": "2"}])");
  ASSERT_EQ(plan.in_lists.count("pk"), 1u);
  EXPECT_EQ(plan.in_lists.at("pk"),
            (std::vector<Json>{j(R"({"N": "1"})"), j(R"({"N": "2"})"), j(R"({"N": "3"})")}));
  EXPECT_EQ(plan.equalities.at("sk"), j(R"({"S": "x"})"));

  // DynamoDB does not scan for  pk = 1 OR pk = 2  either.
  Plan ors = p("SELECT * FROM t WHERE pk = 1 OR pk = 2 OR 3 = pk");
  EXPECT_EQ(ors.in_lists.at("pk"),
            (std::vector<Json>{j(R"({"N": "1"})"), j(R"({"N": "2"})"), j(R"({"N": "3"})")}));
  EXPECT_TRUE(ors.equalities.empty());

  EXPECT_TRUE(p("SELECT * FROM t WHERE pk = 1 OR sk = 2").in_lists.empty());
  EXPECT_TRUE(p("SELECT * FROM t WHERE a = 1 OR pk IN [1, 2]").in_lists.empty());
  EXPECT_TRUE(p("SELECT * FROM t WHERE m.x IN [1]").in_lists.empty());
  EXPECT_TRUE(p("DELETE FROM t WHERE pk IN [1, 2]").in_lists.empty());
}

// ---- INSERT -----------------------------------------------------------------------------------

TEST(PartiqlInsert, Item) {
  Plan plan = p(R"(INSERT INTO "Music" value {'Artist' : 'Acme Band', 'SongTitle' : 'PartiQL Rocks',
      'Year': 2020, 'Tags': <<'a', 'b'>>, 'Scores': <<1, 2.5>>, 'Map': {'n': [1, {'d': NULL}]},
      'Flag': TRUE, 'Param': ?})",
                R"([{"L": [{"S": "p"}]}])");
  EXPECT_EQ(plan.kind, Kind::Insert);
  EXPECT_EQ(plan.table, "Music");
  EXPECT_EQ(plan.item, j(R"({
      "Artist": {"S": "Acme Band"}, "SongTitle": {"S": "PartiQL Rocks"}, "Year": {"N": "2020"},
      "Tags": {"SS": ["a", "b"]}, "Scores": {"NS": ["1", "2.5"]},
      "Map": {"M": {"n": {"L": [{"N": "1"}, {"M": {"d": {"NULL": true}}}]}}},
      "Flag": {"BOOL": true}, "Param": {"L": [{"S": "p"}]}})"));
  EXPECT_EQ(plan.names, Json::object());
  EXPECT_EQ(plan.values, Json::object());
  EXPECT_EQ(plan.condition, "");
}

TEST(PartiqlInsert, Errors) {
  EXPECT_EQ(error_of("INSERT INTO t VALUE ?", R"([{"M": {}}])"),
            "Unsupported format in item expression. Please use struct format {...} to express "
            "item values for insert statement.");
  EXPECT_EQ(error_of("INSERT INTO t VALUE {'pk': 1} RETURNING ALL OLD *"),
            "RETURNING is not supported in INSERT");
  EXPECT_EQ(error_of("INSERT INTO t << {'pk': 1}, {'pk': 2} >>"),
            "Unsupported operation: Inserting multiple items in a single statement is not "
            "supported, use \"INSERT INTO tableName VALUE item\" instead");
  EXPECT_EQ(error_of(R"(INSERT INTO "S" t VALUE {'pk': 'x'})"),
            kMalformed + "Unexpected token after expression");
  EXPECT_EQ(error_of("INSERT INTO t VALUE {'pk': 970001} foo"),
            kMalformed + "Unexpected token after expression");
  EXPECT_EQ(error_of("INSERT INTO t VALUE {'a': b}"), "Unsupported data type: b under key root");
}

// ---- UPDATE -----------------------------------------------------------------------------------

TEST(PartiqlUpdate, SetAndRemove) {
  Plan plan = p(R"(UPDATE "Music" SET AwardsWon=1 SET AwardDetail={'Grammys':[2020, 2018]}
                   REMOVE Gone, m.gone[2] WHERE Artist='Acme Band' AND SongTitle='PartiQL Rocks')");
  EXPECT_EQ(plan.kind, Kind::Update);
  EXPECT_EQ(plan.table, "Music");
  EXPECT_EQ(plan.update, "SET #n0 = :v0, #n1 = :v1 REMOVE #n2, #n3.#n4[2]");
  EXPECT_EQ(plan.condition, "#n5 = :v2 AND #n6 = :v3");
  EXPECT_EQ(plan.values[":v1"], j(R"({"M": {"Grammys": {"L": [{"N": "2020"}, {"N": "2018"}]}}})"));
  EXPECT_EQ(plan.equalities.at("Artist"), j(R"({"S": "Acme Band"})"));
  EXPECT_EQ(plan.equalities.at("SongTitle"), j(R"({"S": "PartiQL Rocks"})"));
  EXPECT_EQ(plan.returning, Returning::None);
}

TEST(PartiqlUpdate, CommaSeparatedAssignmentsAndValueForms) {
  Plan plan =
      p("UPDATE t SET a = a + 1, b = 10 - c, d = e, f = list_append(f, [4, 5]), "
        "g = LIST_APPEND([0], g), h = ? WHERE pk = 'k'",
        R"([{"S": "param"}])");
  EXPECT_EQ(plan.update,
            "SET #n0 = #n0 + :v0, #n1 = :v1 - #n2, #n3 = #n4, #n5 = list_append(#n5, :v2), "
            "#n6 = list_append(:v3, #n6), #n7 = :v4");
  EXPECT_EQ(plan.values[":v2"], j(R"({"L": [{"N": "4"}, {"N": "5"}]})"));
  EXPECT_EQ(plan.values[":v4"], j(R"({"S": "param"})"));
}

TEST(PartiqlUpdate, SetAddAndSetDeleteBecomeAddAndDelete) {
  Plan plan =
      p("UPDATE t SET n = n + 100 SET ns = SET_ADD(ns, <<345, 48.4>>) "
        "SET ss = set_delete(ss, <<'x'>>) REMOVE l[1] WHERE pk = '1'");
  EXPECT_EQ(plan.update, "SET #n0 = #n0 + :v0 REMOVE #n3[1] ADD #n1 :v1 DELETE #n2 :v2");
  EXPECT_EQ(plan.values[":v1"], j(R"({"NS": ["345", "48.4"]})"));
  EXPECT_EQ(plan.values[":v2"], j(R"({"SS": ["x"]})"));
  EXPECT_EQ(error_of("UPDATE t SET s = set_add(other, <<1>>) WHERE pk = 1"),
            "The first argument to SET_ADD must equal the assignment value");
  EXPECT_EQ(error_of("UPDATE t SET s = set_delete(s, 1) WHERE pk = 1"),
            "The second argument to SET_DELETE must be a value with type SET");
  EXPECT_EQ(error_of("UPDATE t SET s = set_add(s) WHERE pk = 1"),
            "SET_ADD must have exactly two arguments");
}

TEST(PartiqlUpdate, Returning) {
  EXPECT_EQ(p("UPDATE t SET a = 1 WHERE pk = 1 RETURNING ALL OLD *").returning, Returning::AllOld);
  EXPECT_EQ(p("UPDATE t SET a = 1 WHERE pk = 1 RETURNING MODIFIED OLD *").returning,
            Returning::ModifiedOld);
  EXPECT_EQ(p("UPDATE t SET a = 1 WHERE pk = 1 returning all new *").returning, Returning::AllNew);
  EXPECT_EQ(p("UPDATE t SET a = 1 WHERE pk = 1 RETURNING MODIFIED NEW *").returning,
            Returning::ModifiedNew);
  EXPECT_EQ(error_of("UPDATE t SET a = 1 WHERE pk = 1 RETURNING ALL NEW"),
            "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause");
  EXPECT_EQ(error_of("UPDATE t SET a = 1 WHERE pk = 1 RETURNING ALL NEW *, ALL OLD *"),
            "Invalid syntax with multiple returning elements in RETURNING clause");
}

TEST(PartiqlUpdate, Errors) {
  EXPECT_EQ(error_of("UPDATE t SET a = b IS NULL WHERE pk = 1"),
            "IS operator is not supported in update expressions");
  EXPECT_EQ(error_of("UPDATE t SET a = a + 1 + 2 WHERE pk = 1"),
            "Unsupported operator in Update Expression. Operator: +");
  EXPECT_EQ(error_of("UPDATE t SET a = if_not_exists(a, 0) WHERE pk = 1"),
            "Unrecognized function: if_not_exists");
  EXPECT_EQ(error_of(R"(UPDATE "S" t SET a = 3 WHERE pk = 'x')"), "Aliasing is not supported");
  EXPECT_EQ(error_of("UPDATE t SET a = 9 WHERE pk = 970002 foo"),
            kMalformed + "Unexpected token after expression");
  EXPECT_EQ(error_of("UPDATE t SET a = 1 WHERE"), kMalformed + "Unexpected term");
  EXPECT_EQ(error_of(R"(UPDATE "T"."I" SET a = 1 WHERE pk = 1)"),
            "This operation is not supported on an index");
  // Without WHERE the plan has no key; the engine answers kIncompleteKeyMessage.
  Plan plan = p("UPDATE t SET a = 1");
  EXPECT_EQ(plan.condition, "");
  EXPECT_TRUE(plan.equalities.empty());
}

// ---- DELETE and EXISTS ------------------------------------------------------------------------

TEST(PartiqlDelete, WhereAndReturning) {
  Plan plan = p(R"(DELETE FROM "Music"
                   WHERE "Artist" = 'Acme Band' AND "SongTitle" = 'PartiQL Rocks'
                   RETURNING ALL OLD *)");
  EXPECT_EQ(plan.kind, Kind::Delete);
  EXPECT_EQ(plan.table, "Music");
  EXPECT_EQ(plan.condition, "#n0 = :v0 AND #n1 = :v1");
  EXPECT_EQ(plan.equalities.size(), 2u);
  EXPECT_EQ(plan.returning, Returning::AllOld);
  EXPECT_EQ(error_of("DELETE FROM t WHERE pk = 1 RETURNING ALL NEW *"),
            "Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed "
            "in DELETE statements.");
  EXPECT_EQ(error_of("DELETE FROM t a WHERE pk = 'x'"), "Aliasing is not supported");
  EXPECT_EQ(error_of("DELETE FROM t WHERE pk = 970004 ORDER BY pk"),
            kMalformed + "Unexpected token after expression");
}

TEST(PartiqlExists, ConditionCheck) {
  Plan plan = p(R"(EXISTS(SELECT * FROM "Music" WHERE "Artist" = 'Acme Band' AND "SongTitle" = ?
                   AND attribute_exists(Awards)))",
                R"([{"S": "PartiQL Rocks"}])");
  EXPECT_EQ(plan.kind, Kind::Exists);
  EXPECT_EQ(plan.table, "Music");
  EXPECT_EQ(plan.condition, "#n0 = :v0 AND #n1 = :v1 AND attribute_exists(#n2)");
  EXPECT_EQ(plan.equalities.size(), 2u);
  EXPECT_EQ(plan.projection, "");
  EXPECT_EQ(p("EXISTS(SELECT a FROM t WHERE pk = 1)").names, j(R"({"#n0": "pk"})"));
  EXPECT_EQ(error_of("EXISTS(UPDATE t SET a = 1 WHERE pk = 1)"),
            kMalformed + "Expected data manipulation");
}

// ---- Syntax errors (DynamoDB's messages) -------------------------------------------------------

TEST(PartiqlErrors, StatementShape) {
  EXPECT_EQ(error_of("SLECT * FROM t"), kMalformed + "Expected data manipulation");
  EXPECT_EQ(error_of(""), kMalformed + "Expected data manipulation");
  EXPECT_EQ(error_of("UPSERT INTO t VALUE {'a': 1}"), kMalformed + "Expected data manipulation");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE pk = 1 foo"),
            kMalformed + "Unexpected token after expression");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE pk = 1 e5"),
            kMalformed + "Unexpected token after expression");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE pk = 1)"),
            kMalformed + "Unexpected token after expression");
  EXPECT_EQ(error_of("SELECT * FROM t ORDER BY pk WHERE pk = 1"),
            kMalformed + "Unexpected token after expression");
  EXPECT_EQ(error_of("SELECT * FROM t; SELECT * FROM t"),
            kMalformed + "Unexpected token after expression");
}

TEST(PartiqlErrors, Terms) {
  for (const char* s : {"SELECT * FROM t WHERE", "SELECT * FROM t WHERE;",
                        "SELECT * FROM t WHERE   ", "SELECT pk FROM t WHERE", "DELETE FROM t WHERE",
                        "SELECT * FROM t WHERE NOT", "SELECT * FROM t WHERE (", "SELECT * FROM"})
    EXPECT_EQ(error_of(s), kMalformed + "Unexpected term") << s;
  EXPECT_EQ(error_of("SELECT * FROM t WHERE pk = 'p1' AND"),
            kMalformed + "Missing right-hand side expression of infix operator");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE pk = 'p1' OR"),
            kMalformed + "Missing right-hand side expression of infix operator");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE ORDER BY pk"), kMalformed + "Unexpected keyword");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE IS NULL"), kMalformed + "Unexpected operator");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE pk = LIKE"), kMalformed + "Unexpected operator");
  EXPECT_EQ(error_of("SELECT FROM t"), kMalformed + "Unexpected keyword");
  for (const char* s :
       {"DELETE FROM", "DELETE FROM   ", "DELETE FROM;", "DELETE FROM WHERE pk = 'a'"})
    EXPECT_EQ(error_of(s), kMalformed + "Expected identifier for simple path") << s;
}

TEST(PartiqlErrors, PartiqlKeywordsAreNotNames) {
  // DynamoDB refuses  WHERE pad = 'none'  and runs  WHERE "pad" = 'none'.
  EXPECT_EQ(error_of("SELECT * FROM t WHERE pad = 'none'"), kMalformed + "Unexpected keyword");
  EXPECT_EQ(p(R"(SELECT * FROM t WHERE "pad" = 'none')").condition, "#n0 = :v0");
  EXPECT_EQ(error_of("SELECT date FROM t"), kMalformed + "Unexpected keyword");
  EXPECT_EQ(error_of("UPDATE t SET old = 1 WHERE pk = 1"), kMalformed + "Unexpected keyword");
  EXPECT_EQ(error_of("SELECT VALUE a FROM t"),
            "Select projection doesn't support value or pivot keywords");
  // After a dot any word names a field.
  EXPECT_EQ(p("SELECT m.value FROM t").projection, "#n0.#n1");
}

TEST(PartiqlErrors, Lexical) {
  EXPECT_EQ(error_of("SELECT * FROM t WHERE pk = 1 # note"), kMalformed);
  EXPECT_EQ(error_of("SELECT * FROM t WHERE pk = 1 /* note"), kMalformed);
  EXPECT_EQ(error_of("SELECT * FROM t WHERE pk = 'open"), kMalformed);
  EXPECT_EQ(error_of("SELECT * FROM \"open WHERE pk = 1"), kMalformed);
}

TEST(PartiqlErrors, Sources) {
  EXPECT_EQ(error_of("SELECT * FROM t x WHERE pk = 'x'"), "Aliasing is not supported");
  EXPECT_EQ(error_of("SELECT * FROM t AS x WHERE pk = 'x'"), "Aliasing is not supported");
  EXPECT_EQ(error_of("SELECT a AS b FROM t"), "Aliasing is not supported");
  EXPECT_EQ(error_of("SELECT * FROM 'str'"), "Unexpected from source");
  EXPECT_EQ(error_of("SELECT * FROM [1]"), "Invalid list expression in source.");
  EXPECT_EQ(error_of(R"(SELECT * FROM "a"."b"."c")"),
            "A path may contain at most 2 components in the FROM clause");
  EXPECT_EQ(error_of("SELECT * FROM a, b"),
            "Only select from a single table or index is supported.");
  EXPECT_EQ(error_of("SELECT *, a FROM t"),
            "Other attributes should not be present in the projection when '*' is used.");
  EXPECT_EQ(error_of("SELECT a, * FROM t"),
            "Other attributes should not be present in the projection when '*' is used.");
  EXPECT_EQ(error_of("SELECT size(a) FROM t"),
            "Unsupported operation: only attribute names and document paths can be projected; "
            "found size");
  EXPECT_EQ(error_of("SELECT a[*] FROM t"),
            "Wildcard path component like a[*].b are not supported");
  EXPECT_EQ(error_of("SELECT a.* FROM t"), "Unpivot path component like a.*.b are not supported");
  EXPECT_EQ(error_of("SELECT a[99999999999] FROM t"),
            "List index is not within the allowable range; index: [99999999999]");
  EXPECT_EQ(error_of(R"(SELECT "" FROM t)"), "Path component cannot be an empty string");
}

TEST(PartiqlErrors, DeepNestingAndLongStatements) {
  std::string deep =
      "SELECT * FROM t WHERE " + std::string(3000, '(') + "a = 1" + std::string(3000, ')');
  EXPECT_EQ(error_of(deep), kMalformed + "Expression nesting too deep");
  std::string nots = "SELECT * FROM t WHERE ";
  for (int i = 0; i < 1500; ++i) nots += "NOT ";
  EXPECT_EQ(error_of(nots + "a = 1"), kMalformed + "Expression nesting too deep");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a = " + std::string(3000, '[') + "1" +
                     std::string(3000, ']')),
            kMalformed + "Expression nesting too deep");
  // A long AND chain nests nothing and is fine.
  std::string chain = "SELECT * FROM t WHERE a = 1";
  while (chain.size() < 8000) chain += " AND a = 1";
  EXPECT_EQ(error_of(chain), "");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a = '" + std::string(8200, 'x') + "'"),
            "1 validation error detected: Value at 'statement' failed to satisfy constraint: "
            "Member must have length less than or equal to 8192");
}

TEST(PartiqlErrors, NeverCrash) {
  // Fragments of every construct: each is either a plan or an Error, nothing else.
  const char* fragments[] = {"SELECT",  "*",       "FROM",      "t",   "WHERE",  "a",       "=",
                             "1",       "AND",     "OR",        "NOT", "(",      ")",       "[",
                             "]",       "{",       "}",         "<<",  ">>",     ",",       ".",
                             ":",       "'s'",     "\"q\"",     "?",   "IN",     "BETWEEN", "IS",
                             "MISSING", "NULL",    "UPDATE",    "SET", "REMOVE", "INSERT",  "INTO",
                             "VALUE",   "DELETE",  "RETURNING", "ALL", "OLD",    "size",    "+",
                             "-",       "set_add", "EXISTS",    ";",   "ORDER",  "BY"};
  constexpr std::size_t n = std::size(fragments);
  std::uint32_t seed = 12345;
  for (int round = 0; round < 3000; ++round) {
    std::string statement;
    int length = 1 + static_cast<int>(seed % 12);
    for (int k = 0; k < length; ++k) {
      seed = seed * 1664525u + 1013904223u;
      statement += fragments[(seed >> 8) % n];
      statement += ' ';
    }
    try {
      parse(statement, Json::array({{{"S", "x"}}}));
    } catch (const Error&) {
    }
  }
}

// ---- Round trips through the expression parser --------------------------------------------------

Json sample_item() {
  return j(R"({
    "pk": {"S": "k1"}, "n": {"N": "5"}, "title": {"S": "PartiQL Rocks"},
    "tags": {"SS": ["red", "blue"]}, "nums": {"NS": ["1", "2"]}, "nothing": {"NULL": true},
    "l": {"L": [{"S": "a"}, {"N": "2"}]}, "m": {"M": {"x": {"N": "1"}, "y": {"S": "why"}}}
  })");
}

// The request members as an engine passes them: absent when empty, as DynamoDB wants them.
ExpressionContext context_of(const Plan& plan) {
  return ExpressionContext(plan.names.empty() ? Json() : plan.names,
                           plan.values.empty() ? Json() : plan.values);
}

bool matches(const std::string& condition, const Json& item = sample_item()) {
  Plan plan = p("SELECT * FROM t WHERE " + condition);
  ExpressionContext ctx = context_of(plan);
  auto c = parse_condition(plan.condition, ctx);
  ctx.check_all_used();
  return c.evaluate(item);
}

TEST(PartiqlRoundTrip, ConditionsEvaluate) {
  EXPECT_TRUE(matches("pk = 'k1' AND n = 5"));
  EXPECT_FALSE(matches("pk = 'k1' AND n = 6"));
  EXPECT_TRUE(matches("n BETWEEN 1 AND 5"));
  EXPECT_TRUE(matches("n IN [1, 5, 9]"));
  EXPECT_FALSE(matches("n NOT IN [1, 5, 9]"));
  EXPECT_TRUE(matches("begins_with(title, 'PartiQL')"));
  EXPECT_TRUE(matches("contains(tags, 'red')"));
  EXPECT_TRUE(matches("size(tags) = 2"));
  EXPECT_TRUE(matches("awards IS MISSING AND title IS NOT MISSING"));
  EXPECT_TRUE(matches("\"nothing\" IS NULL AND title IS STRING AND n IS NUMERIC AND m IS TUPLE"));
  EXPECT_TRUE(matches("l IS LIST AND NOT (n IS STRING)"));
  EXPECT_TRUE(matches("m.x = 1 AND l[1] = 2 AND m.y <> 'x'"));
  EXPECT_TRUE(matches("(n = 1 OR n = 5) AND NOT (pk = 'zz' OR pk = 'yy')"));
  EXPECT_TRUE(matches("attribute_type(nums, 'NS')"));
  EXPECT_TRUE(matches("tags = <<'blue', 'red'>>"));
  EXPECT_TRUE(matches("m = {'y': 'why', 'x': 1}"));
}

TEST(PartiqlRoundTrip, ReservedAttributeNamesWork) {
  // "size" and "status" as attribute names, quoted in PartiQL, placeholders in the expression.
  Json item = j(R"({"size": {"N": "3"}, "status": {"S": "on"}})");
  EXPECT_TRUE(matches(R"("size" = 3 AND "status" = 'on' AND size("status") = 2)", item));
}

TEST(PartiqlRoundTrip, ProjectionApplies) {
  Plan plan = p("SELECT pk, m.y, l[1] FROM t");
  ExpressionContext ctx = context_of(plan);
  auto proj = parse_projection(plan.projection, ctx);
  ctx.check_all_used();
  EXPECT_EQ(proj.project(sample_item()),
            j(R"({"pk": {"S": "k1"}, "m": {"M": {"y": {"S": "why"}}}, "l": {"L": [{"N": "2"}]}})"));
}

TEST(PartiqlRoundTrip, UpdateApplies) {
  Plan plan =
      p("UPDATE t SET n = n + 10, added = 'new', l = list_append(l, ['z']) "
        "SET tags = set_add(tags, <<'green'>>) SET nums = set_delete(nums, <<1>>) "
        "REMOVE m.x WHERE pk = 'k1' AND n > 1 RETURNING ALL NEW *");
  ExpressionContext ctx(plan.names, plan.values);
  auto update = parse_update(plan.update, ctx);
  auto condition = parse_condition(plan.condition, ctx);
  ctx.check_all_used();
  ASSERT_TRUE(condition.evaluate(sample_item()));
  Json after = update.apply(sample_item()).item;
  EXPECT_EQ(after["n"], j(R"({"N": "15"})"));
  EXPECT_EQ(after["added"], j(R"({"S": "new"})"));
  EXPECT_EQ(after["l"], j(R"({"L": [{"S": "a"}, {"N": "2"}, {"S": "z"}]})"));
  EXPECT_EQ(after["tags"]["SS"].size(), 3u);
  EXPECT_EQ(after["nums"], j(R"({"NS": ["2"]})"));
  EXPECT_EQ(after["m"], j(R"({"M": {"y": {"S": "why"}}})"));
  EXPECT_EQ(plan.returning, Returning::AllNew);
}

}  // namespace
}  // namespace serverlite::table::partiql
