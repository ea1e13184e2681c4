"""DynamoDB Scan and Query through boto3 where their order and their checks show: items scan in
the order of DynamoDB's partition hash, parallel segments slice that hash, a starting key must
belong to its segment, and request checks come in DynamoDB's order (expression maps without
expressions, key conditions before the table, one condition's problems before the next's, key
attributes as scalars)."""
import json
import unittest

from harness import ServerTestCase


class TableScan(ServerTestCase):
    APP = "tables"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.sl.boto3_client("dynamodb")
        for name, key_type in (("scan-s", "S"), ("scan-n", "N"), ("order-s", "S"), ("order-n", "N")):
            cls.ddb.create_table(
                TableName=name, BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "a", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "a", "AttributeType": key_type}])
        cls.ddb.create_table(
            TableName="scan-range", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "a", "KeyType": "HASH"},
                       {"AttributeName": "b", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"},
                                  {"AttributeName": "b", "AttributeType": "S"},
                                  {"AttributeName": "d", "AttributeType": "S"}],
            LocalSecondaryIndexes=[{"IndexName": "byD",
                                    "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"},
                                                  {"AttributeName": "d", "KeyType": "RANGE"}],
                                    "Projection": {"ProjectionType": "ALL"}}])

        cls.ddb.create_table(
            TableName="order-gsi", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "a", "KeyType": "HASH"},
                       {"AttributeName": "b", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"},
                                  {"AttributeName": "b", "AttributeType": "S"},
                                  {"AttributeName": "c", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[{"IndexName": "byC",
                                     "KeySchema": [{"AttributeName": "c", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "ALL"}}])

    def raw(self, action, body):
        status, _, data = self.sl.request("POST", self.sl.aws_url + "/", json.dumps(body).encode(), {
            "X-Amz-Target": "DynamoDB_20120810." + action,
            "Content-Type": "application/x-amz-json-1.0"})
        return status, json.loads(data)

    def message(self, action, body):
        status, out = self.raw(action, body)
        self.assertEqual(status, 400, out)
        self.assertIn("ValidationException", out["__type"])
        return out["message"] if "message" in out else out["Message"]

    def put_all(self, table, values, key_type):
        for v in values:
            self.ddb.put_item(TableName=table, Item={"a": {key_type: v}, "mark": {"S": table}})

    def scan_keys(self, table, key_type, **kwargs):
        keys, start = [], None
        while True:
            if start:
                kwargs["ExclusiveStartKey"] = start
            out = self.ddb.scan(TableName=table, **kwargs)
            keys += [item["a"][key_type] for item in out["Items"]]
            start = out.get("LastEvaluatedKey")
            if not start:
                return keys

    # ---- order and segments ---------------------------------------------------------------

    def test_items_scan_in_dynamodbs_hash_order(self):
        strings = [str(i) for i in range(10)] + ["aardman", "hello", "zapf", "äáöü"]
        self.put_all("order-s", strings, "S")
        # The order DynamoDB itself answers for these keys.
        expected = ["2", "8", "9", "1", "6", "hello", "0", "5", "4", "äáöü", "aardman", "7", "3",
                    "zapf"]
        self.assertEqual(self.scan_keys("order-s", "S"), expected)
        # Pages of one item resume in the same order.
        self.assertEqual(self.scan_keys("order-s", "S", Limit=1), expected)
        numbers = [str(i) for i in range(10)] + ["-0.09", "999.9", "0.012345", "-999.9"]
        self.put_all("order-n", numbers, "N")
        self.assertEqual(self.scan_keys("order-n", "N"),
                         ["7", "999.9", "8", "3", "2", "-999.9", "9", "4", "-0.09", "6", "1", "0",
                          "0.012345", "5"])

    def test_index_entries_with_one_key_go_in_the_hash_order_of_their_items(self):
        keys = [("a", "a"), ("b", "b"), ("c", "e"), ("c", "d"), ("d", "a"), ("e", "a")]
        for a, b in keys:
            self.ddb.put_item(TableName="order-gsi",
                              Item={"a": {"S": a}, "b": {"S": b}, "c": {"S": "same"}})
        expected = [("b", "b"), ("a", "a"), ("c", "e"), ("e", "a"), ("d", "a"), ("c", "d")]

        def query(**kwargs):
            out, start = [], None
            while True:
                if start:
                    kwargs["ExclusiveStartKey"] = start
                page = self.ddb.query(TableName="order-gsi", IndexName="byC",
                                      KeyConditionExpression="c = :c",
                                      ExpressionAttributeValues={":c": {"S": "same"}}, **kwargs)
                out += [(i["a"]["S"], i["b"]["S"]) for i in page["Items"]]
                start = page.get("LastEvaluatedKey")
                if not start:
                    return out

        self.assertEqual(query(), expected)
        self.assertEqual(query(Limit=4), expected)
        self.assertEqual(query(ScanIndexForward=False, Limit=2), expected[::-1])
        scanned = self.ddb.scan(TableName="order-gsi", IndexName="byC", Limit=3)
        self.assertEqual([(i["a"]["S"], i["b"]["S"]) for i in scanned["Items"]], expected[:3])

    def test_reads_report_capacity_units_alone(self):
        # DynamoDB's Query and Scan answer {TableName, CapacityUnits} (and with INDEXES the
        # table's and each index's share), no ReadCapacityUnits.
        self.ddb.put_item(TableName="order-gsi",
                          Item={"a": {"S": "cap"}, "b": {"S": "1"}, "c": {"S": "cc"}})
        _, out = self.raw("Query", {"TableName": "order-gsi", "IndexName": "byC",
                                    "KeyConditionExpression": "c = :c",
                                    "ExpressionAttributeValues": {":c": {"S": "cc"}},
                                    "ReturnConsumedCapacity": "TOTAL"})
        self.assertEqual(out["ConsumedCapacity"], {"TableName": "order-gsi", "CapacityUnits": 0.5})
        _, out = self.raw("Query", {"TableName": "order-gsi", "IndexName": "byC",
                                    "KeyConditionExpression": "c = :c",
                                    "ExpressionAttributeValues": {":c": {"S": "cc"}},
                                    "ReturnConsumedCapacity": "INDEXES"})
        self.assertEqual(out["ConsumedCapacity"], {
            "TableName": "order-gsi", "CapacityUnits": 0.5, "Table": {"CapacityUnits": 0},
            "GlobalSecondaryIndexes": {"byC": {"CapacityUnits": 0.5}}})
        _, out = self.raw("Scan", {"TableName": "order-gsi", "ReturnConsumedCapacity": "TOTAL"})
        self.assertEqual(set(out["ConsumedCapacity"]), {"TableName", "CapacityUnits"})

    def test_segments_slice_the_hash_space(self):
        self.put_all("scan-s", ["3635", "228", "1668", "3435"], "S")
        self.put_all("scan-n", ["251", "2388"], "N")

        def segment(table, key_type, n, total=4096):
            return self.scan_keys(table, key_type, Segment=n, TotalSegments=total)

        self.assertTrue({"3635", "228"} <= set(segment("scan-s", "S", 0)))
        self.assertIn("1668", segment("scan-s", "S", 1))
        self.assertIn("3435", segment("scan-s", "S", 4))
        self.assertIn("251", segment("scan-n", "N", 1))
        self.assertIn("2388", segment("scan-n", "N", 4095))
        # Any number of segments covers every item exactly once.
        everything = sorted(self.scan_keys("scan-s", "S"))
        for total in (2, 3, 7):
            parts = []
            for n in range(total):
                parts += segment("scan-s", "S", n, total)
            self.assertEqual(sorted(parts), everything)

    def test_a_starting_key_must_belong_to_its_segment(self):
        self.put_all("scan-s", [str(i) for i in range(10)], "S")
        second = self.ddb.scan(TableName="scan-s", Segment=1, TotalSegments=2)["Items"]
        self.assertTrue(second)
        msg = self.message("Scan", {"TableName": "scan-s", "Segment": 0, "TotalSegments": 2,
                                    "ExclusiveStartKey": {"a": second[0]["a"]}})
        self.assertEqual(msg, "The provided starting key is invalid: Invalid ExclusiveStartKey. "
                              "Please use ExclusiveStartKey with correct Segment. "
                              "TotalSegments: 2 Segment: 0")
        self.ddb.scan(TableName="scan-s", Segment=1, TotalSegments=2,
                      ExclusiveStartKey={"a": second[0]["a"]})

    # ---- request checks ---------------------------------------------------------------------

    def test_expression_maps_need_expressions(self):
        self.assertEqual(
            self.message("Scan", {"TableName": "nope", "ExpressionAttributeNames": {},
                                  "AttributesToGet": ["a", "a"]}),
            "ExpressionAttributeNames can only be specified when using expressions")
        self.assertEqual(
            self.message("Scan", {"TableName": "nope", "ExpressionAttributeValues": {},
                                  "ProjectionExpression": "a"}),
            "ExpressionAttributeValues can only be specified when using expressions: "
            "FilterExpression is null")
        self.assertEqual(
            self.message("Query", {"TableName": "nope", "ExpressionAttributeValues": {},
                                   "KeyConditions": {}}),
            "ExpressionAttributeValues can only be specified when using expressions: "
            "FilterExpression and KeyConditionExpression are null")

    def test_key_conditions_are_checked_before_the_table(self):
        for body in ({"KeyConditions": {}},
                     {"KeyConditionExpression": ":a = a and b = :a and :a = c",
                      "ExpressionAttributeValues": {":a": {"S": "a"}}}):
            self.assertEqual(self.message("Query", dict(body, TableName="nope")),
                             "Conditions can be of length 1 or 2 only")

    def test_key_conditions_and_starting_key_attribute_by_attribute(self):
        # The hash key's condition is missing: that comes before the range key's starting value.
        for start in (None, {"a": {"S": "a"}, "b": {"N": "1"}}):
            body = {"TableName": "scan-range", "KeyConditionExpression": "z between :a and :b",
                    "ExpressionAttributeValues": {":a": {"N": "1"}, ":b": {"N": "1"}}}
            if start:
                body["ExclusiveStartKey"] = start
            self.assertEqual(self.message("Query", body),
                             "Query condition missed key schema element: a")
        for cond in ("a > :a", "begins_with(a, :a)", "y = :a and z = :a"):
            self.assertEqual(
                self.message("Query", {"TableName": "scan-s", "KeyConditionExpression": cond,
                                       "ExpressionAttributeValues": {":a": {"S": "1"}}}),
                "Query key condition not supported")
        self.assertEqual(
            self.message("Query", {"TableName": "scan-s", "KeyConditionExpression": ":a > a",
                                   "ExpressionAttributeValues": {":a": {"N": "1"}}}),
            "One or more parameter values were invalid: Condition parameter type does not match "
            "schema type")

    def test_the_first_conditions_problem_wins(self):
        def filter_message(expression, values=None):
            body = {"TableName": "nope", "FilterExpression": expression,
                    "ExpressionAttributeNames": {"#a": "a"}}
            if values:
                body["ExpressionAttributeValues"] = values
            if "#a" not in expression:
                del body["ExpressionAttributeNames"]
            return self.message("Scan", body)

        self.assertEqual(
            filter_message("a = a AND #a = b AND :views > a"),
            "Invalid FilterExpression: The first operand must be distinct from the remaining "
            "operands for this operator or function; operator: =, first operand: [a]")
        self.assertEqual(
            filter_message("attribute_type(a, size(a)) and a=a and a=:a", {":a": {"N": "1"}}),
            "Invalid FilterExpression: Incorrect operand type for operator or function; operator "
            "or function: attribute_type, operand type: N")
        self.assertEqual(
            filter_message("attribute_exists(:a) and a=a", {":a": {"S": "1"}}),
            "Invalid FilterExpression: Operator or function requires a document path; operator "
            "or function: attribute_exists")
        self.assertEqual(filter_message("(a)between(((b.c)).d)and(c)"),
                         "Invalid FilterExpression: The expression has redundant parentheses;")

    def test_parenthesised_paths_continue(self):
        self.ddb.put_item(TableName="scan-s", Item={"a": {"S": "paren"}, "m": {"M": {"n": {"N": "5"}}}})
        out = self.ddb.scan(TableName="scan-s", FilterExpression=":v = (m).n",
                            ExpressionAttributeValues={":v": {"N": "5"}})
        self.assertEqual([i["a"]["S"] for i in out["Items"]], ["paren"])

    def test_key_attributes_are_scalars_in_reads(self):
        for expression in ("attribute_exists(a.b.c) and #a = b", "attribute_exists(#a[0])"):
            self.assertEqual(
                self.message("Scan", {"TableName": "scan-s", "FilterExpression": expression,
                                      "ExpressionAttributeNames": {"#a": "a"}}),
                "Key attributes must be scalars; list random access '[]' and map lookup '.' are "
                "not allowed: Key: a")
        self.assertEqual(
            self.message("Query", {"TableName": "scan-range", "KeyConditionExpression": "a = :a",
                                   "FilterExpression": "d[1] = :b",
                                   "ExpressionAttributeValues": {":a": {"S": "1"}, ":b": {"N": "1"}}}),
            "Key attributes must be scalars; list random access '[]' and map lookup '.' are not "
            "allowed: IndexKey: d")
        self.assertEqual(
            self.message("Scan", {"TableName": "scan-range", "ProjectionExpression": "b.c"}),
            "Key attributes must be scalars; list random access '[]' and map lookup '.' are not "
            "allowed: Key: b")


if __name__ == "__main__":
    unittest.main()
