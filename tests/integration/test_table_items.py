"""DynamoDB items through boto3 (its Table resource and boto3.dynamodb.conditions, and the
low-level client for the legacy parameters) and the AWS CLI: writes with conditions and return
values, reads with projections, Query and Scan with their pages, batches, and the errors."""
import json
import signal
import threading
import time
import unittest
from decimal import Decimal

from boto3.dynamodb.conditions import Attr, Key

from harness import RestartTestCase, ServerTestCase


class TableItems(ServerTestCase):
    APP = "tables"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.sl.boto3_client("dynamodb")
        cls.resource = cls.sl.boto3_resource("dynamodb")

    def table(self, name):
        self.ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "N"}])
        return self.resource.Table(name)

    def raw(self, action, body):
        status, _, data = self.sl.request("POST", self.sl.aws_url + "/", json.dumps(body).encode(), {
            "X-Amz-Target": "DynamoDB_20120810." + action,
            "Content-Type": "application/x-amz-json-1.0"})
        return status, json.loads(data)

    def error(self, call, **kwargs):
        with self.assertRaises(self.ddb.exceptions.ClientError) as ctx:
            call(**kwargs)
        return ctx.exception.response["Error"]

    def test_put_get_delete_with_every_type(self):
        t = self.table("types")
        item = {"pk": "a", "sk": 1, "s": "text", "n": Decimal("12345678901234567890.123456789"),
                "b": b"\x00\xff", "yes": True, "nothing": None, "m": {"x": [1, "two"]},
                "ss": {"p", "q"}, "ns": {1, 2}, "bs": {b"\x01"}, "empty": ""}
        t.put_item(Item=item)
        got = t.get_item(Key={"pk": "a", "sk": 1})["Item"]
        self.assertEqual(got["n"], Decimal("12345678901234567890.123456789"))
        self.assertEqual(got["b"].value, b"\x00\xff")
        self.assertEqual(got["m"], {"x": [1, "two"]})
        self.assertEqual(got["ss"], {"p", "q"})
        self.assertEqual(got["empty"], "")
        self.assertIsNone(got["nothing"])
        old = t.delete_item(Key={"pk": "a", "sk": 1}, ReturnValues="ALL_OLD")["Attributes"]
        self.assertEqual(old["s"], "text")
        self.assertNotIn("Item", t.get_item(Key={"pk": "a", "sk": 1}))

    def test_conditions_and_return_values(self):
        t = self.table("conds")
        t.put_item(Item={"pk": "a", "sk": 1, "n": 1})
        err = self.error(t.put_item, Item={"pk": "a", "sk": 1},
                         ConditionExpression=Attr("pk").not_exists())
        self.assertEqual((err["Code"], err["Message"]),
                         ("ConditionalCheckFailedException", "The conditional request failed"))
        # ReturnValuesOnConditionCheckFailure is newer than Debian's botocore: raw JSON 1.0.
        status, body = self.raw("DeleteItem", {
            "TableName": "conds", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}},
            "ConditionExpression": "n = :two", "ExpressionAttributeValues": {":two": {"N": "2"}},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"})
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"],
                         "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException")
        self.assertEqual(body["Item"]["n"], {"N": "1"})
        old = t.put_item(Item={"pk": "a", "sk": 1, "n": 2}, ConditionExpression=Attr("n").eq(1),
                         ReturnValues="ALL_OLD")["Attributes"]
        self.assertEqual(old["n"], 1)

    def test_update_expressions(self):
        t = self.table("updates")
        r = t.update_item(Key={"pk": "a", "sk": 1},
                          UpdateExpression="SET #c = if_not_exists(#c, :zero) + :one, "
                                           "tags = list_append(if_not_exists(tags, :empty), :t) "
                                           "ADD seen :s",
                          ExpressionAttributeNames={"#c": "count"},
                          ExpressionAttributeValues={":zero": 0, ":one": 1, ":empty": [],
                                                     ":t": ["x"], ":s": {"u1"}},
                          ReturnValues="ALL_NEW")["Attributes"]
        self.assertEqual(r, {"pk": "a", "sk": 1, "count": 1, "tags": ["x"], "seen": {"u1"}})
        r = t.update_item(Key={"pk": "a", "sk": 1}, UpdateExpression="REMOVE tags DELETE seen :s",
                          ExpressionAttributeValues={":s": {"u1"}},
                          ReturnValues="UPDATED_OLD")["Attributes"]
        self.assertEqual(r, {"tags": ["x"], "seen": {"u1"}})
        err = self.error(t.update_item, Key={"pk": "a", "sk": 1}, UpdateExpression="SET pk = :v",
                         ExpressionAttributeValues={":v": "b"})
        self.assertEqual(err["Message"], "One or more parameter values were invalid: Cannot "
                                         "update attribute pk. This attribute is part of the key")
        err = self.error(t.update_item, Key={"pk": "a", "sk": 1}, UpdateExpression="SET a = :v",
                         ExpressionAttributeValues={":v": "b", ":unused": "c"})
        self.assertEqual(err["Message"], "Value provided in ExpressionAttributeValues unused in "
                                         "expressions: keys: {:unused}")
        err = self.error(t.update_item, Key={"pk": "a", "sk": 1},
                         UpdateExpression="SET total = :v", ExpressionAttributeValues={":v": 1})
        self.assertEqual(err["Message"], "Invalid UpdateExpression: Attribute name is a reserved "
                                         "keyword; reserved keyword: total")

    def test_a_malformed_starting_key_is_refused_as_its_values_would_be(self):
        self.table("badstart")
        for action, extra in (("Query", {"KeyConditionExpression": "pk = :h",
                                         "ExpressionAttributeValues": {":h": {"S": "a"}}}),
                              ("Scan", {})):
            status, res = self.raw(action, dict(extra, TableName="badstart", ExclusiveStartKey={
                "pk": {"S": "a"}, "sk": {"N": "abc"}}))
            self.assertEqual(status, 400, res)
            self.assertTrue(res["__type"].endswith("#ValidationException"), res)
            self.assertIn("numeric value", res["message"])
            status, res = self.raw(action, dict(extra, TableName="badstart", ExclusiveStartKey={
                "pk": {"S": {}}, "sk": {"N": "1"}}))
            self.assertEqual(status, 400, res)
            self.assertTrue(res["__type"].endswith("#SerializationException"), res)

    def test_query_scan_pages_and_filters(self):
        t = self.table("reads")
        with t.batch_writer() as batch:
            for sk in range(30):
                batch.put_item(Item={"pk": "h", "sk": sk, "odd": sk % 2 == 1})
            batch.put_item(Item={"pk": "other", "sk": 1, "odd": True})
        r = t.query(KeyConditionExpression=Key("pk").eq("h") & Key("sk").between(5, 9),
                    ScanIndexForward=False)
        self.assertEqual([int(i["sk"]) for i in r["Items"]], [9, 8, 7, 6, 5])
        pages, start = [], None
        while True:
            kwargs = {"ExclusiveStartKey": start} if start else {}
            r = t.query(KeyConditionExpression=Key("pk").eq("h"), Limit=7,
                        FilterExpression=Attr("odd").eq(True), **kwargs)
            pages.append([int(i["sk"]) for i in r["Items"]])
            start = r.get("LastEvaluatedKey")
            if not start:
                break
        self.assertEqual(sum(pages, []), list(range(1, 30, 2)))
        r = t.scan(FilterExpression=Attr("odd").eq(True), Select="COUNT")
        self.assertEqual((r["Count"], r["ScannedCount"]), (16, 31))
        seen = set()
        for segment in range(3):
            r = t.scan(Segment=segment, TotalSegments=3, ProjectionExpression="pk, sk")
            for i in r["Items"]:
                seen.add((i["pk"], int(i["sk"])))
                self.assertEqual(set(i), {"pk", "sk"})
        self.assertEqual(len(seen), 31)
        err = self.error(t.query, KeyConditionExpression=Key("sk").eq(1))
        self.assertEqual(err["Code"], "ValidationException")

    def test_legacy_parameters(self):
        self.table("legacy")
        c = self.ddb
        c.put_item(TableName="legacy", Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"N": "1"}},
                   Expected={"pk": {"Exists": False}})
        c.update_item(TableName="legacy", Key={"pk": {"S": "a"}, "sk": {"N": "1"}},
                      AttributeUpdates={"v": {"Action": "ADD", "Value": {"N": "4"}}})
        got = c.get_item(TableName="legacy", Key={"pk": {"S": "a"}, "sk": {"N": "1"}},
                         AttributesToGet=["v"])["Item"]
        self.assertEqual(got, {"v": {"N": "5"}})
        r = c.query(TableName="legacy", KeyConditions={
            "pk": {"AttributeValueList": [{"S": "a"}], "ComparisonOperator": "EQ"}},
            QueryFilter={"v": {"AttributeValueList": [{"N": "3"}], "ComparisonOperator": "GT"}})
        self.assertEqual(r["Count"], 1)
        r = c.scan(TableName="legacy", ScanFilter={
            "v": {"AttributeValueList": [{"N": "9"}], "ComparisonOperator": "GT"}})
        self.assertEqual(r["Count"], 0)
        with self.assertRaises(c.exceptions.ClientError) as ctx:
            c.get_item(TableName="legacy", Key={"pk": {"S": "a"}, "sk": {"N": "1"}},
                       AttributesToGet=["v"], ProjectionExpression="v")
        self.assertIn("Can not use both expression and non-expression parameters",
                      ctx.exception.response["Error"]["Message"])

    def test_batches(self):
        self.table("batches")
        c = self.ddb
        writes = [{"PutRequest": {"Item": {"pk": {"S": "b"}, "sk": {"N": str(i)}}}}
                  for i in range(25)]
        self.assertEqual(c.batch_write_item(RequestItems={"batches": writes})["UnprocessedItems"], {})
        keys = [{"pk": {"S": "b"}, "sk": {"N": str(i)}} for i in range(0, 25, 5)]
        r = c.batch_get_item(RequestItems={"batches": {"Keys": keys}})
        self.assertEqual(len(r["Responses"]["batches"]), 5)
        self.assertEqual(r["UnprocessedKeys"], {})
        with self.assertRaises(c.exceptions.ClientError) as ctx:
            c.batch_write_item(RequestItems={"batches": writes + writes[:1]})
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ValidationException")

    def test_validation_errors(self):
        t = self.table("invalid")
        err = self.error(t.put_item, Item={"pk": "a"})
        self.assertEqual(err["Message"], "One or more parameter values were invalid: Missing the "
                                         "key sk in the item")
        err = self.error(t.put_item, Item={"pk": "a", "sk": "not a number"})
        self.assertEqual(err["Message"], "One or more parameter values were invalid: Type "
                                         "mismatch for key sk expected: N actual: S")
        err = self.error(t.put_item, Item={"pk": "a", "sk": 1, "big": "x" * (401 * 1024)})
        self.assertEqual(err["Message"], "Item size has exceeded the maximum allowed size")
        err = self.error(t.get_item, Key={"pk": "a"})
        self.assertEqual(err["Message"], "The provided key element does not match the schema")
        err = self.error(self.resource.Table("no-such-table").get_item, Key={"pk": "a", "sk": 1})
        self.assertEqual((err["Code"], err["Message"]),
                         ("ResourceNotFoundException", "Requested resource not found"))

    def test_consumed_capacity(self):
        t = self.table("capacity")
        # Writes: one unit per started KB of the larger of the old and new item.
        out = t.put_item(Item={"pk": "a", "sk": 1, "data": "x" * 2500},
                         ReturnConsumedCapacity="TOTAL")
        self.assertEqual(out["ConsumedCapacity"]["TableName"], "capacity")
        self.assertEqual(out["ConsumedCapacity"]["CapacityUnits"], 3)
        out = t.update_item(Key={"pk": "a", "sk": 1}, UpdateExpression="REMOVE #d",
                            ExpressionAttributeNames={"#d": "data"},
                            ReturnConsumedCapacity="TOTAL")
        self.assertEqual(out["ConsumedCapacity"]["CapacityUnits"], 3)
        self.assertNotIn("ConsumedCapacity", t.put_item(Item={"pk": "b", "sk": 1}))
        # Reads: a unit per started 4 KB, half of it when eventually consistent.
        out = t.get_item(Key={"pk": "a", "sk": 1}, ReturnConsumedCapacity="TOTAL")
        self.assertEqual(out["ConsumedCapacity"]["CapacityUnits"], 0.5)
        out = t.get_item(Key={"pk": "a", "sk": 1}, ConsistentRead=True,
                         ReturnConsumedCapacity="INDEXES")
        self.assertEqual(out["ConsumedCapacity"]["CapacityUnits"], 1)
        self.assertEqual(out["ConsumedCapacity"]["Table"], {"CapacityUnits": 1})
        with t.batch_writer() as w:
            for i in range(10):
                w.put_item(Item={"pk": "q", "sk": i, "data": "y" * 1000})
        out = t.query(KeyConditionExpression=Key("pk").eq("q"), ReturnConsumedCapacity="TOTAL")
        self.assertEqual(out["Count"], 10)
        self.assertEqual(out["ConsumedCapacity"]["CapacityUnits"], 1.5)  # ~10 KB, halved

    def test_wrong_json_shapes_are_serialization_errors(self):
        """The request decoder refuses a value of the wrong JSON type before any validation,
        as a SerializationException; a well-formed but invalid value is a ValidationException."""
        self.table("shapes")
        cases = [
            ({"TableName": "shapes", "Item": {"pk": {"S": "a"}, "sk": {"N": "1"}, "x": {"S": 5}}},
             "PutItem", "NUMBER_VALUE cannot be converted to String"),
            ({"TableName": "shapes", "Item": {"pk": {"S": "a"}, "sk": {"N": "1"},
                                              "x": {"BOOL": "maybe"}}},
             "PutItem", "Unexpected token received from parser"),
            ({"TableName": "shapes", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}},
              "UpdateExpression": "SET x = :v", "ExpressionAttributeValues": {":v": {"SS": "a"}}},
             "UpdateItem", "Unexpected field type"),
            ({"TableName": "shapes", "Key": {"pk": [{"S": "a"}]}}, "GetItem",
             "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue"),
            ({"RequestItems": {"shapes": "x"}}, "BatchWriteItem",
             "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to "
             "class java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl "
             "and java.lang.Class are in module java.base of loader 'bootstrap')"),
            ({"TableName": "shapes", "Limit": "5"}, "Scan",
             "STRING_VALUE cannot be converted to Integer"),
            # Types are checked before anything else: the table need not exist.
            ({"TableName": "none-such", "Key": {"pk": {"B": "abc"}}}, "GetItem",
             "Base64 encoded length is expected a multiple of 4 bytes but found: 3"),
        ]
        for body, action, message in cases:
            status, out = self.raw(action, body)
            self.assertEqual(status, 400)
            self.assertEqual(out["__type"], "com.amazon.coral.service#SerializationException")
            # The decoder's error spells its member "Message".
            self.assertEqual(out["Message"], message)
        status, out = self.raw("PutItem", {"TableName": "shapes", "Item": {
            "pk": {"S": "a"}, "sk": {"N": "1"}, "x": {"SS": []}}})
        self.assertEqual(out["__type"], "com.amazon.coral.validate#ValidationException")

    def test_requests_are_validated_before_the_table_is_looked_up(self):
        """Every violated constraint is listed in one message, and a request's own checks come
        before ResourceNotFoundException."""
        status, out = self.raw("GetItem", {"TableName": "a;", "ReturnConsumedCapacity": "hi"})
        self.assertEqual(status, 400)
        self.assertEqual(out["__type"], "com.amazon.coral.validate#ValidationException")
        self.assertTrue(out["message"].startswith("4 validation errors detected: "), out["message"])
        for part in ["Value 'hi' at 'returnConsumedCapacity' failed to satisfy constraint: Member "
                     "must satisfy enum value set: [INDEXES, TOTAL, NONE]",
                     "Value 'a;' at 'tableName' failed to satisfy constraint: Member must satisfy "
                     "regular expression pattern: [a-zA-Z0-9_.-]+",
                     "Value 'a;' at 'tableName' failed to satisfy constraint: Member must have "
                     "length greater than or equal to 3",
                     "Value null at 'key' failed to satisfy constraint: Member must not be null"]:
            self.assertIn(part, out["message"])
        status, out = self.raw("BatchWriteItem", {"RequestItems": {"ab": []}})
        self.assertIn("Map keys must satisfy constraint: [Member must have length less than or "
                      "equal to 255, Member must have length greater than or equal to 3, Member "
                      "must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]", out["message"])
        self.assertIn("Map value must satisfy constraint: [Member must have length less than or "
                      "equal to 25, Member must have length greater than or equal to 1]",
                      out["message"])
        status, out = self.raw("DescribeTable", {})
        self.assertEqual(out["message"],
                         "The parameter 'TableName' is required but was not present in the request")
        status, out = self.raw("DescribeTable", {"TableName": "ab"})
        self.assertEqual(out["message"], "TableName must be at least 3 characters long and at "
                                         "most 255 characters long")
        missing = [
            ("PutItem", {"TableName": "none-such", "Item": {"pk": {"S": "a", "N": "1"}}},
             "Supplied AttributeValue has more than one datatypes set, must contain exactly one "
             "of the supported datatypes"),
            ("Query", {"TableName": "none-such", "KeyConditionExpression": "pk = :v"},
             "An expression attribute value used in expression is not defined; attribute value: :v"),
            ("Query", {"TableName": "none-such", "KeyConditionExpression": "pk = :v",
                       "ExpressionAttributeValues": {":v": {"S": "a"}},
                       "ExclusiveStartKey": {"pk": {"NULL": False}}},
             "The provided starting key is invalid: One or more parameter values were invalid: "
             "Null attribute value types must have the value of true"),
            ("Scan", {"TableName": "none-such", "Segment": 3, "TotalSegments": 2},
             "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
             "Segment: 3 is not less than TotalSegments: 2"),
            ("BatchGetItem", {"RequestItems": {"none-such": {"Keys": [{"pk": {}}]}}},
             "Supplied AttributeValue is empty, must contain exactly one of the supported "
             "datatypes"),
        ]
        for action, body, message in missing:
            status, out = self.raw(action, body)
            self.assertEqual((status, out["__type"]),
                             (400, "com.amazon.coral.validate#ValidationException"), action)
            self.assertIn(message, out["message"])
        status, out = self.raw("GetItem", {"TableName": "none-such", "Key": {"pk": {"S": "a"}}})
        self.assertEqual(out["__type"], "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException")

    def test_query_starting_key_is_checked_against_keys_and_condition(self):
        self.table("starts")
        base = {"TableName": "starts", "KeyConditionExpression": "pk = :p",
                "ExpressionAttributeValues": {":p": {"S": "a"}}}
        cases = [
            ({"pk": {"S": "a"}}, "The provided starting key is invalid"),
            ({"pk": {"N": "1"}, "sk": {"N": "1"}},
             "The provided key element does not match the schema"),
            ({"pk": {"S": "b"}, "sk": {"N": "1"}},
             "The provided starting key is outside query boundaries based on provided conditions"),
        ]
        for start, message in cases:
            status, out = self.raw("Query", dict(base, ExclusiveStartKey=start))
            self.assertEqual((status, out.get("message")), (400, message))
        status, out = self.raw("Query", dict(base, ExclusiveStartKey={"pk": {"S": "a"},
                                                                      "sk": {"N": "1"}}))
        self.assertEqual(status, 200, out)

    def test_item_count_and_cli(self):
        self.table("counted")
        r = self.sl.aws_cli("dynamodb", "put-item", "--table-name", "counted", "--item",
                            json.dumps({"pk": {"S": "c"}, "sk": {"N": "1"}}))
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.sl.aws_cli("dynamodb", "get-item", "--table-name", "counted", "--key",
                            json.dumps({"pk": {"S": "c"}, "sk": {"N": "1"}}))
        self.assertEqual(json.loads(r.stdout)["Item"]["pk"], {"S": "c"})
        self.assertEqual(self.ddb.describe_table(TableName="counted")["Table"]["ItemCount"], 1)

    def test_every_item_operation_through_the_cli(self):
        self.table("cli-items")

        def cli(*args):
            r = self.sl.aws_cli("dynamodb", *args)
            self.assertEqual(r.returncode, 0, r.stderr)
            return json.loads(r.stdout) if r.stdout.strip() else {}

        requests = [{"PutRequest": {"Item": {"pk": {"S": "p"}, "sk": {"N": str(i)},
                                             "v": {"N": str(i * 10)}}}} for i in range(1, 21)]
        out = cli("batch-write-item", "--request-items", json.dumps({"cli-items": requests}))
        self.assertEqual(out["UnprocessedItems"], {})
        out = cli("batch-get-item", "--request-items", json.dumps(
            {"cli-items": {"Keys": [{"pk": {"S": "p"}, "sk": {"N": "3"}},
                                    {"pk": {"S": "p"}, "sk": {"N": "99"}}]}}))
        self.assertEqual([i["v"] for i in out["Responses"]["cli-items"]], [{"N": "30"}])
        out = cli("update-item", "--table-name", "cli-items",
                  "--key", json.dumps({"pk": {"S": "p"}, "sk": {"N": "3"}}),
                  "--update-expression", "SET v = v + :d", "--condition-expression", "v = :old",
                  "--expression-attribute-values", json.dumps({":d": {"N": "1"}, ":old": {"N": "30"}}),
                  "--return-values", "UPDATED_NEW")
        self.assertEqual(out["Attributes"], {"v": {"N": "31"}})
        r = self.sl.aws_cli("dynamodb", "delete-item", "--table-name", "cli-items",
                            "--key", json.dumps({"pk": {"S": "p"}, "sk": {"N": "4"}}),
                            "--condition-expression", "v = :x",
                            "--expression-attribute-values", json.dumps({":x": {"N": "0"}}))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ConditionalCheckFailedException", r.stderr)
        out = cli("delete-item", "--table-name", "cli-items",
                  "--key", json.dumps({"pk": {"S": "p"}, "sk": {"N": "4"}}),
                  "--return-values", "ALL_OLD")
        self.assertEqual(out["Attributes"]["v"], {"N": "40"})
        # The CLI pages through Query and Scan itself (--page-size sets Limit on each call).
        out = cli("query", "--table-name", "cli-items", "--page-size", "3",
                  "--key-condition-expression", "pk = :p AND sk BETWEEN :a AND :b",
                  "--expression-attribute-values",
                  json.dumps({":p": {"S": "p"}, ":a": {"N": "2"}, ":b": {"N": "9"}}),
                  "--no-scan-index-forward")
        self.assertEqual([i["sk"]["N"] for i in out["Items"]], ["9", "8", "7", "6", "5", "3", "2"])
        out = cli("scan", "--table-name", "cli-items", "--page-size", "4",
                  "--filter-expression", "v >= :min",
                  "--expression-attribute-values", json.dumps({":min": {"N": "150"}}))
        self.assertEqual(sorted(int(i["sk"]["N"]) for i in out["Items"]), list(range(15, 21)))
        out = cli("scan", "--table-name", "cli-items", "--select", "COUNT")
        self.assertEqual(out["Count"], 19)


class TableSurvivesKill(RestartTestCase):
    """Every acknowledged write is still there after SIGKILL and a restart on the same --state:
    each one is a committed SQLite transaction."""
    APP = "tables"
    SERVICE = "dynamodb"

    def test_acknowledged_writes_survive_sigkill(self):
        sl = self.start()
        ddb = self.client(sl)
        acked, lock, stop = [], threading.Lock(), threading.Event()

        def writer(w):
            c = sl.boto3_client("dynamodb")
            n = 0
            while not stop.is_set():
                try:
                    c.put_item(TableName="orders", Item={"customer": {"S": f"w{w}"},
                                                         "placed": {"N": str(n)},
                                                         "state": {"S": f"s{w}"}})
                except Exception:  # noqa: BLE001 - the kill ends the writers
                    return
                with lock:
                    acked.append((w, n))
                n += 1
        ddb.update_item(TableName="orders", Key={"customer": {"S": "w9"}, "placed": {"N": "0"}},
                        UpdateExpression="SET v = :v",
                        ExpressionAttributeValues={":v": {"S": "updated"}})
        threads = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        sl.stop(signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join()
        self.assertGreater(len(acked), 10)
        restarted = self.start()
        ddb = self.client(restarted)
        self.sl_streams_client = lambda: restarted.boto3_client("dynamodbstreams")
        for w, n in acked:
            got = ddb.get_item(TableName="orders", Key={"customer": {"S": f"w{w}"},
                                                        "placed": {"N": str(n)}})
            self.assertIn("Item", got, (w, n))
        got = ddb.get_item(TableName="orders", Key={"customer": {"S": "w9"}, "placed": {"N": "0"}})
        self.assertEqual(got["Item"]["v"], {"S": "updated"})
        # The index entries and stream records were committed with the items.
        for w in range(3):
            mine = {n for v, n in acked if v == w}
            pages = ddb.get_paginator("query").paginate(
                TableName="orders", IndexName="byState", KeyConditionExpression="#s = :s",
                ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues={":s": {"S": f"s{w}"}})
            indexed = {int(i["placed"]["N"]) for p in pages for i in p["Items"]}
            self.assertTrue(mine <= indexed, (w, sorted(mine - indexed)[:5]))
        streams = self.sl_streams_client()
        arn = ddb.describe_table(TableName="orders")["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        streamed = set()
        while it:
            page = streams.get_records(ShardIterator=it, Limit=1000)
            streamed |= {(r["dynamodb"]["Keys"]["customer"]["S"],
                          int(r["dynamodb"]["Keys"]["placed"]["N"])) for r in page["Records"]}
            it = page.get("NextShardIterator") if page["Records"] else None
        self.assertTrue({(f"w{w}", n) for w, n in acked} <= streamed)


if __name__ == "__main__":
    unittest.main()
