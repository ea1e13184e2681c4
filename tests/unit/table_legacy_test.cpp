// Legacy parameters -> expressions: the translation text of every ComparisonOperator and update
// action, and DynamoDB's ValidationException messages (as dynalite and DynamoDB Local record
// them) for every misuse.
#include "services/table/legacy.hpp"

#include <gtest/gtest.h>

#include <string>

namespace serverlite::table {
namespace {

Json j(const char* text) { return Json::parse(text); }

// The message a call throws, or "" when it does not throw.
template <class F>
std::string error_of(F&& call) {
  try {
    call();
  } catch (const LegacyError& e) {
    return e.message;
  }
  return "";
}

const std::string kInvalid = "One or more parameter values were invalid: ";

Translated scan(const char* conditions, std::optional<std::string_view> op = std::nullopt) {
  return filter(j(conditions), op, "ScanFilter");
}

// ---- ComparisonOperator translations -----------------------------------------------------------

TEST(TableLegacy, EachOperatorTranslates) {
  struct Case {
    const char* condition;
    const char* expression;
  };
  const Case cases[] = {
      {R"({"ComparisonOperator":"EQ","AttributeValueList":[{"S":"x"}]})", "#f0 = :f0"},
      {R"({"ComparisonOperator":"NE","AttributeValueList":[{"S":"x"}]})", "#f0 <> :f0"},
      {R"({"ComparisonOperator":"LE","AttributeValueList":[{"N":"1"}]})", "#f0 <= :f0"},
      {R"({"ComparisonOperator":"LT","AttributeValueList":[{"N":"1"}]})", "#f0 < :f0"},
      {R"({"ComparisonOperator":"GE","AttributeValueList":[{"N":"1"}]})", "#f0 >= :f0"},
      {R"({"ComparisonOperator":"GT","AttributeValueList":[{"N":"1"}]})", "#f0 > :f0"},
      {R"({"ComparisonOperator":"NOT_NULL"})", "attribute_exists(#f0)"},
      {R"({"ComparisonOperator":"NULL"})", "attribute_not_exists(#f0)"},
      {R"({"ComparisonOperator":"CONTAINS","AttributeValueList":[{"S":"x"}]})",
       "contains(#f0, :f0)"},
      // A missing attribute fails NOT_CONTAINS (DynamoDB Local: NOT_CONTAINS of null is false).
      {R"({"ComparisonOperator":"NOT_CONTAINS","AttributeValueList":[{"S":"x"}]})",
       "attribute_exists(#f0) AND NOT contains(#f0, :f0)"},
      {R"({"ComparisonOperator":"BEGINS_WITH","AttributeValueList":[{"S":"x"}]})",
       "begins_with(#f0, :f0)"},
      {R"({"ComparisonOperator":"IN","AttributeValueList":[{"S":"x"},{"S":"y"},{"S":"z"}]})",
       "#f0 IN (:f0, :f1, :f2)"},
      {R"({"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"1"},{"N":"5"}]})",
       "#f0 BETWEEN :f0 AND :f1"},
  };
  for (const Case& c : cases) {
    Json conditions = Json::object();
    conditions["my attr"] = j(c.condition);
    Translated t = filter(conditions, std::nullopt, "ScanFilter");
    EXPECT_EQ(t.expression, c.expression) << c.condition;
    EXPECT_EQ(t.names, j(R"({"#f0":"my attr"})")) << c.condition;
  }
}

TEST(TableLegacy, ValuesAreCopiedAndNumbersCanonicalised) {
  Translated t = scan(
      R"({"a":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"01.50"},{"N":"1e1"}]}})");
  EXPECT_EQ(t.values, j(R"({":f0":{"N":"1.5"},":f1":{"N":"10"}})"));
}

TEST(TableLegacy, EqAndNeTakeAnyType) {
  for (const char* value : {R"({"SS":["a"]})", R"({"M":{"x":{"S":"y"}}})", R"({"L":[]})",
                            R"({"BOOL":true})", R"({"NULL":true})"}) {
    Json conditions = Json::object();
    conditions["a"] = {{"ComparisonOperator", "NE"}, {"AttributeValueList", {j(value)}}};
    EXPECT_EQ(filter(conditions, std::nullopt, "ScanFilter").expression, "#f0 <> :f0") << value;
  }
}

TEST(TableLegacy, ConditionsJoinWithConditionalOperator) {
  const char* conditions = R"({
    "b": {"ComparisonOperator":"BETWEEN","AttributeValueList":[{"S":"a"},{"S":"c"}]},
    "a": {"ComparisonOperator":"EQ","AttributeValueList":[{"N":"1"}]},
    "c": {"ComparisonOperator":"NOT_CONTAINS","AttributeValueList":[{"S":"z"}]}})";
  Translated and_form = scan(conditions);
  EXPECT_EQ(and_form.expression,
            "(#f0 = :f0) AND (#f1 BETWEEN :f1 AND :f2) AND "
            "(attribute_exists(#f2) AND NOT contains(#f2, :f3))");
  EXPECT_EQ(and_form.names, j(R"({"#f0":"a","#f1":"b","#f2":"c"})"));
  EXPECT_EQ(scan(conditions, "OR").expression,
            "(#f0 = :f0) OR (#f1 BETWEEN :f1 AND :f2) OR "
            "(attribute_exists(#f2) AND NOT contains(#f2, :f3))");
}

TEST(TableLegacy, NamesNeedNoEscaping) {
  // Legacy names are plain attribute names: dots, reserved words and spaces are one name each.
  Translated t = scan(R"({"a.b":{"ComparisonOperator":"NOT_NULL"},
                          "size":{"ComparisonOperator":"NULL"}})");
  EXPECT_EQ(t.names, j(R"({"#f0":"a.b","#f1":"size"})"));
  EXPECT_TRUE(t.values.empty());
}

TEST(TableLegacy, EmptyFilterIsNoCondition) {
  Translated t = scan("{}");
  EXPECT_EQ(t.expression, "");
  EXPECT_TRUE(t.names.empty());
}

// ---- ComparisonOperator errors -----------------------------------------------------------------

TEST(TableLegacy, ArgumentCountErrors) {
  struct Case {
    const char* op;
    const char* list;  // nullptr: no AttributeValueList
  };
  const Case cases[] = {
      {"EQ", nullptr},        {"EQ", "[]"},         {"NE", R"([{"S":"a"},{"S":"b"}])"},
      {"LT", "[]"},           {"NULL", R"([{"S":"a"}])"}, {"NOT_NULL", R"([{"S":"a"}])"},
      {"CONTAINS", "[]"},     {"BEGINS_WITH", R"([{"S":"a"},{"S":"b"}])"},
      {"IN", "[]"},           {"IN", nullptr},
      {"BETWEEN", R"([{"S":"a"}])"}, {"BETWEEN", R"([{"S":"a"},{"S":"b"},{"S":"c"}])"},
  };
  for (const Case& c : cases) {
    Json condition = {{"ComparisonOperator", c.op}};
    if (c.list) condition["AttributeValueList"] = j(c.list);
    Json conditions = {{"a", condition}};
    EXPECT_EQ(error_of([&] { filter(conditions, std::nullopt, "QueryFilter"); }),
              kInvalid + "Invalid number of argument(s) for the " + c.op + " ComparisonOperator")
        << c.op;
  }
}

TEST(TableLegacy, ArgumentTypeErrors) {
  struct Case {
    const char* op;
    const char* value;
    const char* type;
  };
  const Case cases[] = {
      {"LT", R"({"BOOL":true})", "BOOL"},     {"LE", R"({"NULL":true})", "NULL"},
      {"GT", R"({"SS":["a"]})", "SS"},        {"GE", R"({"NS":["1"]})", "NS"},
      {"IN", R"({"BS":["YQ=="]})", "BS"},     {"LT", R"({"M":{}})", "M"},
      {"GT", R"({"L":[]})", "L"},             {"CONTAINS", R"({"SS":["a"]})", "SS"},
      {"NOT_CONTAINS", R"({"L":[]})", "L"},   {"CONTAINS", R"({"M":{}})", "M"},
      {"BEGINS_WITH", R"({"N":"1"})", "N"},   {"BEGINS_WITH", R"({"BOOL":false})", "BOOL"},
  };
  for (const Case& c : cases) {
    Json conditions = {{"a", {{"ComparisonOperator", c.op},
                              {"AttributeValueList", Json::array({j(c.value)})}}}};
    EXPECT_EQ(error_of([&] { filter(conditions, std::nullopt, "ScanFilter"); }),
              kInvalid + "ComparisonOperator " + c.op + " is not valid for " + c.type +
                  " AttributeValue type")
        << c.op << " " << c.value;
  }
  EXPECT_EQ(error_of([] {
              scan(R"({"a":{"ComparisonOperator":"BETWEEN",
                            "AttributeValueList":[{"SS":["a"]},{"SS":["b"]}]}})");
            }),
            kInvalid + "ComparisonOperator BETWEEN is not valid for SS AttributeValue type");
  // CONTAINS looks for one member; BOOL and NULL are scalars DynamoDB accepts there.
  EXPECT_EQ(scan(R"({"a":{"ComparisonOperator":"CONTAINS","AttributeValueList":[{"NULL":true}]}})")
                .expression,
            "contains(#f0, :f0)");
  EXPECT_EQ(scan(R"({"a":{"ComparisonOperator":"BEGINS_WITH",
                          "AttributeValueList":[{"B":"YQ=="}]}})")
                .expression,
            "begins_with(#f0, :f0)");
}

TEST(TableLegacy, MixedTypesAndBetweenBounds) {
  EXPECT_EQ(error_of([] {
              scan(R"({"a":{"ComparisonOperator":"IN",
                            "AttributeValueList":[{"S":"a"},{"N":"1"}]}})");
            }),
            kInvalid + "AttributeValues inside AttributeValueList must be of same type");
  EXPECT_EQ(error_of([] {
              scan(R"({"a":{"ComparisonOperator":"BETWEEN",
                            "AttributeValueList":[{"N":"1"},{"S":"1"}]}})");
            }),
            kInvalid + "AttributeValues inside AttributeValueList must be of same type");
  const std::string bounds =
      "The BETWEEN condition was provided a range where the lower bound is greater than the upper "
      "bound";
  EXPECT_EQ(error_of([] {
              scan(R"({"a":{"ComparisonOperator":"BETWEEN",
                            "AttributeValueList":[{"N":"10"},{"N":"9"}]}})");
            }),
            bounds);
  EXPECT_EQ(error_of([] {
              scan(R"({"a":{"ComparisonOperator":"BETWEEN",
                            "AttributeValueList":[{"S":"b"},{"S":"a"}]}})");
            }),
            bounds);
  // Equal bounds are a one-value range, not an error.
  EXPECT_EQ(scan(R"({"a":{"ComparisonOperator":"BETWEEN",
                          "AttributeValueList":[{"N":"2"},{"N":"2.0"}]}})")
                .expression,
            "#f0 BETWEEN :f0 AND :f1");
}

TEST(TableLegacy, RequestLayerErrorsOnOperator) {
  EXPECT_EQ(error_of([] { scan(R"({"a":{"AttributeValueList":[{"S":"x"}]}})"); }),
            "1 validation error detected: Value null at 'scanFilter.a.member.comparisonOperator' "
            "failed to satisfy constraint: Member must not be null");
  EXPECT_EQ(error_of([] {
              filter(j(R"({"a":{"ComparisonOperator":"LIKE"}})"), std::nullopt, "QueryFilter");
            }),
            "1 validation error detected: Value 'LIKE' at "
            "'queryFilter.a.member.comparisonOperator' failed to satisfy constraint: Member must "
            "satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, "
            "LE, BEGINS_WITH, GE, CONTAINS]");
  // The request layer runs over the whole map first: a bad operator on "b" wins over a bad
  // argument count on "a".
  EXPECT_NE(error_of([] {
              scan(R"({"a":{"ComparisonOperator":"EQ"},"b":{"ComparisonOperator":"SOME"}})");
            }).find("'SOME'"),
            std::string::npos);
}

TEST(TableLegacy, InvalidValuesUseValueMessages) {
  EXPECT_EQ(error_of([] {
              scan(R"({"a":{"ComparisonOperator":"EQ","AttributeValueList":[{}]}})");
            }),
            "Supplied AttributeValue is empty, must contain exactly one of the supported "
            "datatypes");
  // Values are checked before the argument count.
  EXPECT_EQ(error_of([] {
              scan(R"({"a":{"ComparisonOperator":"EQ",
                            "AttributeValueList":[{"S":"a","N":"1"},{"S":"b"}]}})");
            }),
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one "
            "of the supported datatypes");
}

TEST(TableLegacy, WrongJsonShapesAreSerializationErrors) {
  try {
    scan(R"({"a":{"ComparisonOperator":"EQ","AttributeValueList":{"S":"x"}}})");
    FAIL() << "no error";
  } catch (const LegacyError& e) {
    EXPECT_EQ(e.kind, LegacyError::Kind::Serialization);
    EXPECT_EQ(e.message, "Start of structure or map found where not expected.");
  }
  try {
    scan(R"([])");
    FAIL() << "no error";
  } catch (const LegacyError& e) {
    EXPECT_EQ(e.kind, LegacyError::Kind::Serialization);
    EXPECT_EQ(e.message, "Start of list found where not expected");
  }
}

// ---- ConditionalOperator -----------------------------------------------------------------------

TEST(TableLegacy, ConditionalOperatorRules) {
  EXPECT_EQ(error_of([] { scan(R"({"a":{"ComparisonOperator":"NULL"}})", "OR"); }),
            "ConditionalOperator can only be used when Filter or Expected has two or more "
            "elements");
  EXPECT_EQ(error_of([] { check_conditional_operator("AND", 0); }),
            "ConditionalOperator cannot be used without Filter or Expected");
  EXPECT_EQ(error_of([] { check_conditional_operator("XOR", 2); }),
            "1 validation error detected: Value 'XOR' at 'conditionalOperator' failed to satisfy "
            "constraint: Member must satisfy enum value set: [OR, AND]");
  EXPECT_EQ(error_of([] { check_conditional_operator(std::nullopt, 0); }), "");
  EXPECT_EQ(error_of([] { check_conditional_operator("OR", 3); }), "");
}

// ---- KeyConditions -----------------------------------------------------------------------------

TEST(TableLegacy, KeyConditionsTranslate) {
  Translated t = key_conditions(j(R"({
    "id": {"ComparisonOperator":"EQ","AttributeValueList":[{"S":"u1"}]},
    "ts": {"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"1"},{"N":"9"}]}})"));
  EXPECT_EQ(t.expression, "#k0 = :k0 AND #k1 BETWEEN :k1 AND :k2");
  EXPECT_EQ(t.names, j(R"({"#k0":"id","#k1":"ts"})"));
  EXPECT_EQ(t.values, j(R"({":k0":{"S":"u1"},":k1":{"N":"1"},":k2":{"N":"9"}})"));

  EXPECT_EQ(key_conditions(j(R"({"ts":{"ComparisonOperator":"BEGINS_WITH",
                                        "AttributeValueList":[{"S":"2024-"}]},
                                 "id":{"ComparisonOperator":"EQ",
                                       "AttributeValueList":[{"S":"u1"}]}})"))
                .expression,
            "#k0 = :k0 AND begins_with(#k1, :k1)");
}

TEST(TableLegacy, KeyConditionsCount) {
  const std::string message = "Conditions can be of length 1 or 2 only";
  EXPECT_EQ(error_of([] { key_conditions(j("{}")); }), message);
  EXPECT_EQ(error_of([] {
              key_conditions(j(R"({"a":{"ComparisonOperator":"NULL"},
                                   "b":{"ComparisonOperator":"NULL"},
                                   "c":{"ComparisonOperator":"NULL"}})"));
            }),
            message);
  // Argument errors come first (dynalite checks the conditions before counting them).
  EXPECT_EQ(error_of([] { key_conditions(j(R"({"a":{"ComparisonOperator":"EQ"}})")); }),
            kInvalid + "Invalid number of argument(s) for the EQ ComparisonOperator");
  EXPECT_EQ(error_of([] { key_conditions(j(R"({"a":{}})")); }),
            "1 validation error detected: Value null at "
            "'keyConditions.a.member.comparisonOperator' failed to satisfy constraint: Member "
            "must not be null");
}

TEST(TableLegacy, KeyConditionsAgainstSchema) {
  const KeySchema hash_only{.hash = {"id", ValueType::S}};
  const KeySchema hash_range{.hash = {"id", ValueType::S}, .range = KeyElement{"ts", ValueType::N}};
  auto check = [](const char* conditions, const KeySchema& key) {
    return error_of([&] { check_key_conditions(j(conditions), key); });
  };
  const char* eq_id = R"("id":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"a"}]})";

  EXPECT_EQ(check((std::string("{") + eq_id + "}").c_str(), hash_only), "");
  EXPECT_EQ(check((std::string("{") + eq_id + "}").c_str(), hash_range), "");
  EXPECT_EQ(check((std::string("{") + eq_id +
                   R"(,"ts":{"ComparisonOperator":"GT","AttributeValueList":[{"N":"1"}]}})")
                      .c_str(),
                  hash_range),
            "");

  EXPECT_EQ(check(R"({"x":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"a"}]}})",
                  hash_range),
            "Query condition missed key schema element: id");
  EXPECT_EQ(check((std::string("{") + eq_id +
                   R"(,"x":{"ComparisonOperator":"EQ","AttributeValueList":[{"N":"1"}]}})")
                      .c_str(),
                  hash_range),
            "Query condition missed key schema element: ts");
  EXPECT_EQ(check((std::string("{") + eq_id +
                   R"(,"ts":{"ComparisonOperator":"EQ","AttributeValueList":[{"N":"1"}]}})")
                      .c_str(),
                  hash_only),
            "Query key condition not supported");
  EXPECT_EQ(check(R"({"id":{"ComparisonOperator":"GT","AttributeValueList":[{"S":"a"}]}})",
                  hash_only),
            "Query key condition not supported");
  EXPECT_EQ(check(R"({"id":{"ComparisonOperator":"EQ","AttributeValueList":[{"N":"1"}]}})",
                  hash_only),
            kInvalid + "Condition parameter type does not match schema type");

  for (const char* op : {"NULL", "NOT_NULL", "NE", "CONTAINS", "NOT_CONTAINS", "IN"}) {
    Json range = {{"ComparisonOperator", op}};
    if (std::string(op) != "NULL" && std::string(op) != "NOT_NULL") {
      range["AttributeValueList"] = Json::array({j(R"({"N":"1"})")});
    }
    Json conditions = j((std::string("{") + eq_id + "}").c_str());
    conditions["ts"] = range;
    EXPECT_EQ(error_of([&] { check_key_conditions(conditions, hash_range); }),
              "Attempted conditional constraint is not an indexable operation")
        << op;
  }
}

TEST(TableLegacy, QueryFilterMayNotNameKeys) {
  const KeySchema key{.hash = {"id", ValueType::S}, .range = KeyElement{"ts", ValueType::N}};
  EXPECT_EQ(error_of([&] {
              check_query_filter(j(R"({"ts":{"ComparisonOperator":"NULL"}})"), key);
            }),
            "QueryFilter can only contain non-primary key attributes: Primary key attribute: ts");
  EXPECT_EQ(error_of([&] {
              check_query_filter(j(R"({"other":{"ComparisonOperator":"NULL"}})"), key);
            }),
            "");
}

// ---- Expected ----------------------------------------------------------------------------------

TEST(TableLegacy, ExpectedValueAndExistsForms) {
  EXPECT_EQ(expected(j(R"({"a":{"Value":{"S":"x"}}})"), std::nullopt).expression, "#e0 = :e0");
  EXPECT_EQ(expected(j(R"({"a":{"Value":{"S":"x"},"Exists":true}})"), std::nullopt).expression,
            "#e0 = :e0");
  Translated absent = expected(j(R"({"a":{"Exists":false}})"), std::nullopt);
  EXPECT_EQ(absent.expression, "attribute_not_exists(#e0)");
  EXPECT_TRUE(absent.values.empty());
  // The decoder's boolean spellings.
  EXPECT_EQ(expected(j(R"({"a":{"Exists":"false"}})"), std::nullopt).expression,
            "attribute_not_exists(#e0)");

  Translated both = expected(j(R"({"a":{"Exists":false},"b":{"Value":{"N":"1"}}})"), "OR");
  EXPECT_EQ(both.expression, "(attribute_not_exists(#e0)) OR (#e1 = :e0)");
  EXPECT_EQ(both.names, j(R"({"#e0":"a","#e1":"b"})"));
  EXPECT_EQ(both.values, j(R"({":e0":{"N":"1"}})"));
}

TEST(TableLegacy, ExpectedComparisonForms) {
  EXPECT_EQ(expected(j(R"({"a":{"ComparisonOperator":"GT","AttributeValueList":[{"N":"3"}]}})"),
                     std::nullopt)
                .expression,
            "#e0 > :e0");
  // Value stands in for a one-element AttributeValueList.
  EXPECT_EQ(expected(j(R"({"a":{"ComparisonOperator":"BEGINS_WITH","Value":{"S":"ab"}}})"),
                     std::nullopt)
                .expression,
            "begins_with(#e0, :e0)");
  EXPECT_EQ(expected(j(R"({"a":{"ComparisonOperator":"NULL"}})"), std::nullopt).expression,
            "attribute_not_exists(#e0)");
  EXPECT_EQ(error_of([] {
              expected(j(R"({"a":{"ComparisonOperator":"NULL","Value":{"S":"x"}}})"),
                       std::nullopt);
            }),
            kInvalid + "Invalid number of argument(s) for the NULL ComparisonOperator");
  EXPECT_EQ(error_of([] {
              expected(j(R"({"a":{"ComparisonOperator":"LT","Value":{"SS":["x"]}}})"),
                       std::nullopt);
            }),
            kInvalid + "ComparisonOperator LT is not valid for SS AttributeValue type");
}

TEST(TableLegacy, ExpectedMisuseErrors) {
  auto message = [](const char* entry) {
    return error_of([&] { expected(j(entry), std::nullopt); });
  };
  EXPECT_EQ(message(R"({"a":{"Exists":true,"ComparisonOperator":"NULL"}})"),
            kInvalid + "Exists and ComparisonOperator cannot be used together for Attribute: a");
  EXPECT_EQ(message(R"({"a":{"ComparisonOperator":"EQ","Value":{"S":"x"},
                            "AttributeValueList":[{"S":"x"}]}})"),
            kInvalid + "Value and AttributeValueList cannot be used together for Attribute: a");
  EXPECT_EQ(message(R"({"a":{"AttributeValueList":[{"S":"x"}]}})"),
            kInvalid +
                "AttributeValueList can only be used with a ComparisonOperator for Attribute: a");
  EXPECT_EQ(message(R"({"a":{"Exists":false,"Value":{"S":"x"}}})"),
            kInvalid + "Value cannot be used when Exists is false for Attribute: a");
  EXPECT_EQ(message(R"({"a":{"ComparisonOperator":"EQ"}})"),
            kInvalid + "Value or AttributeValueList must be used with ComparisonOperator: EQ for "
                       "Attribute: a");
  EXPECT_EQ(message(R"({"a":{}})"),
            kInvalid + "Value must be provided when Exists is null for Attribute: a");
  EXPECT_EQ(message(R"({"a":{"Exists":true}})"),
            kInvalid + "Value must be provided when Exists is true for Attribute: a");
  EXPECT_EQ(message(R"({"a":{"ComparisonOperator":"SIMILAR"}})"),
            "1 validation error detected: Value 'SIMILAR' at "
            "'expected.a.member.comparisonOperator' failed to satisfy constraint: Member must "
            "satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, "
            "LE, BEGINS_WITH, GE, CONTAINS]");
  EXPECT_EQ(error_of([] { expected(j(R"({"a":{"Exists":false}})"), "AND"); }),
            "ConditionalOperator can only be used when Filter or Expected has two or more "
            "elements");
}

// ---- AttributeUpdates --------------------------------------------------------------------------

TEST(TableLegacy, AttributeUpdatesTranslate) {
  Translated t = attribute_updates(j(R"({
    "put":   {"Action":"PUT","Value":{"S":"x"}},
    "plain": {"Value":{"BOOL":true}},
    "count": {"Action":"ADD","Value":{"N":"2"}},
    "tags":  {"Action":"ADD","Value":{"SS":["a"]}},
    "gone":  {"Action":"DELETE"},
    "drop":  {"Action":"DELETE","Value":{"NS":["1"]}}})"));
  // Attributes in name order: count, drop, gone, plain, put, tags.
  EXPECT_EQ(t.expression,
            "SET #u3 = :u2, #u4 = :u3 ADD #u0 :u0, #u5 :u4 REMOVE #u2 DELETE #u1 :u1");
  EXPECT_EQ(t.names,
            j(R"({"#u0":"count","#u1":"drop","#u2":"gone","#u3":"plain","#u4":"put",
                  "#u5":"tags"})"));
  EXPECT_EQ(t.values, j(R"({":u0":{"N":"2"},":u1":{"NS":["1"]},":u2":{"BOOL":true},
                            ":u3":{"S":"x"},":u4":{"SS":["a"]}})"));
}

TEST(TableLegacy, AttributeUpdatesAddListAppends) {
  Translated t = attribute_updates(j(R"({"log":{"Action":"ADD","Value":{"L":[{"S":"e"}]}}})"));
  EXPECT_EQ(t.expression, "SET #u0 = list_append(if_not_exists(#u0, :u1), :u0)");
  EXPECT_EQ(t.values, j(R"({":u0":{"L":[{"S":"e"}]},":u1":{"L":[]}})"));
}

TEST(TableLegacy, AttributeUpdatesErrors) {
  auto message = [](const char* updates) {
    return error_of([&] { attribute_updates(j(updates)); });
  };
  EXPECT_EQ(message(R"({"a":{"Action":"PUT"}})"),
            kInvalid + "Only DELETE action is allowed when no attribute value is specified");
  EXPECT_EQ(message(R"({"a":{"Action":"ADD"}})"),
            kInvalid + "Only DELETE action is allowed when no attribute value is specified");
  EXPECT_EQ(message(R"({"a":{}})"),
            kInvalid + "Only DELETE action is allowed when no attribute value is specified");
  for (const char* value : {R"({"S":"1"})", R"({"N":"1"})", R"({"B":"Yg=="})",
                            R"({"NULL":true})", R"({"BOOL":true})", R"({"M":{}})",
                            R"({"L":[]})"}) {
    Json updates = {{"a", {{"Action", "DELETE"}, {"Value", j(value)}}}};
    EXPECT_EQ(error_of([&] { attribute_updates(updates); }),
              kInvalid + "DELETE action with value is not supported for the type " +
                  j(value).begin().key())
        << value;
  }
  for (const char* value : {R"({"S":"1"})", R"({"B":"Yg=="})", R"({"NULL":true})",
                            R"({"BOOL":true})", R"({"M":{}})"}) {
    Json updates = {{"a", {{"Action", "ADD"}, {"Value", j(value)}}}};
    EXPECT_EQ(error_of([&] { attribute_updates(updates); }),
              kInvalid + "ADD action is not supported for the type " + j(value).begin().key())
        << value;
  }
  EXPECT_EQ(message(R"({"a":{"Action":"INCREMENT","Value":{"N":"1"}}})"),
            "1 validation error detected: Value 'INCREMENT' at 'attributeUpdates.a.member.action' "
            "failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, "
            "DELETE]");
  EXPECT_EQ(message(R"({"a":{"Action":"PUT","Value":{"NS":[]}}})"),
            kInvalid + "An number set  may not be empty");
  EXPECT_EQ(attribute_updates(j("{}")).expression, "");
}

// ---- AttributesToGet ---------------------------------------------------------------------------

TEST(TableLegacy, AttributesToGet) {
  Translated t = attributes_to_get(j(R"(["b","a.b","select"])"));
  EXPECT_EQ(t.expression, "#p0, #p1, #p2");
  EXPECT_EQ(t.names, j(R"({"#p0":"b","#p1":"a.b","#p2":"select"})"));
  EXPECT_TRUE(t.values.empty());
  EXPECT_EQ(error_of([] { attributes_to_get(j(R"(["a","b","a"])")); }),
            kInvalid + "Duplicate value in attribute name: a");
  EXPECT_EQ(error_of([] { attributes_to_get(j("[]")); }),
            "1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy "
            "constraint: Member must have length greater than or equal to 1");
}

// ---- Mixing and merging ------------------------------------------------------------------------

TEST(TableLegacy, MixingError) {
  EXPECT_EQ(mixing_error(j(R"({"AttributesToGet":["a"],"ProjectionExpression":"a"})")),
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {AttributesToGet} Expression parameters: "
            "{ProjectionExpression}");
  EXPECT_EQ(mixing_error(j(R"({"ConditionalOperator":"OR","Expected":{},"AttributeUpdates":{},
                               "ConditionExpression":"x","UpdateExpression":"y"})")),
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {AttributeUpdates, Expected, ConditionalOperator} "
            "Expression parameters: {UpdateExpression, ConditionExpression}");
  // A member sent as null is absent.
  EXPECT_EQ(mixing_error(j(R"({"AttributesToGet":null,"ProjectionExpression":"a"})")), std::nullopt);
  // KeyConditions beside a FilterExpression is accepted; beside KeyConditionExpression it is not.
  EXPECT_EQ(mixing_error(j(R"({"KeyConditions":{},"FilterExpression":"x"})")), std::nullopt);
  EXPECT_EQ(mixing_error(j(R"({"KeyConditions":{},"KeyConditionExpression":"x",
                               "QueryFilter":{}})")),
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {QueryFilter, KeyConditions} Expression parameters: "
            "{KeyConditionExpression}");
  EXPECT_EQ(mixing_error(j(R"({"AttributesToGet":null,"ProjectionExpression":"a"})")),
            std::nullopt);
  EXPECT_EQ(mixing_error(j(R"({"AttributesToGet":["a"],"Expected":{}})")), std::nullopt);
}

TEST(TableLegacy, TranslationsOfOneRequestDoNotCollide) {
  Json names = nullptr, values = nullptr;
  Translated keys = key_conditions(
      j(R"({"id":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"a"}]}})"));
  Translated rows = filter(
      j(R"({"n":{"ComparisonOperator":"GT","AttributeValueList":[{"N":"1"}]}})"), std::nullopt,
      "QueryFilter");
  Translated projection = attributes_to_get(j(R"(["id","n"])"));
  EXPECT_EQ(merge_into(keys, names, values), "#k0 = :k0");
  EXPECT_EQ(merge_into(rows, names, values), "#f0 > :f0");
  EXPECT_EQ(merge_into(projection, names, values), "#p0, #p1");
  EXPECT_EQ(names.size(), 4u);
  EXPECT_EQ(values.size(), 2u);
}

TEST(TableLegacy, MergeLeavesUnusedMapNull) {
  // ExpressionContext refuses "ExpressionAttributeValues": {}, so a projection alone must not
  // create an empty values map.
  Json names = nullptr, values = nullptr;
  EXPECT_EQ(merge_into(attributes_to_get(j(R"(["a"])")), names, values), "#p0");
  EXPECT_EQ(names, j(R"({"#p0":"a"})"));
  EXPECT_TRUE(values.is_null());
}

TEST(TableLegacy, MergeRenamesOnCollision) {
  // The request's own FilterExpression already uses #k0 and :k0.
  Json names = j(R"({"#k0":"status","#k0_0":"other"})");
  Json values = j(R"({":k0":{"S":"open"}})");
  Translated keys = key_conditions(j(R"({
    "id": {"ComparisonOperator":"EQ","AttributeValueList":[{"S":"a"}]},
    "ts": {"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"1"},{"N":"2"}]}})"));
  EXPECT_EQ(merge_into(keys, names, values), "#k0_1 = :k0_0 AND #k1 BETWEEN :k1 AND :k2");
  EXPECT_EQ(names["#k0"], "status");
  EXPECT_EQ(names["#k0_1"], "id");
  EXPECT_EQ(names["#k1"], "ts");
  EXPECT_EQ(values[":k0"], j(R"({"S":"open"})"));
  EXPECT_EQ(values[":k0_0"], j(R"({"S":"a"})"));
}

}  // namespace
}  // namespace serverlite::table
