"""How DynamoDB's item operations check a request, through raw HTTP where boto3 would refuse the
request itself and boto3 elsewhere: the order of the checks (placeholder maps without an
expression, attribute values, ReturnValues, the item size, then the table), the wording of key
errors, key paths in projections and updates, capacity shapes and BatchGetItem's answer limit."""
import json
import unittest

from harness import ServerTestCase

VALIDATION = "com.amazon.coral.validate#ValidationException"
NOT_FOUND = "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
SCALARS = ("Key attributes must be scalars; list random access '[]' and map lookup '.' are not "
           "allowed: ")


class TableItemChecks(ServerTestCase):
    APP = "tables"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.sl.boto3_client("dynamodb")
        cls.ddb.create_table(
            TableName="checks", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"},
                                  {"AttributeName": "ix", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[{
                "IndexName": "by-ix", "Projection": {"ProjectionType": "ALL"},
                "KeySchema": [{"AttributeName": "ix", "KeyType": "HASH"}]}])

    def raw(self, action, body):
        status, _, data = self.sl.request("POST", self.sl.aws_url + "/", json.dumps(body).encode(), {
            "X-Amz-Target": "DynamoDB_20120810." + action,
            "Content-Type": "application/x-amz-json-1.0"})
        return status, json.loads(data)

    def assert_validation(self, action, body, message):
        status, out = self.raw(action, body)
        self.assertEqual((status, out.get("__type")), (400, VALIDATION), out)
        self.assertEqual(out["message"], message)

    def test_placeholder_maps_without_an_expression_come_first(self):
        # Even before the attribute values ({} is not a value) are looked at.
        self.assert_validation("PutItem", {
            "TableName": "nowhere", "Item": {"a": {}}, "Expected": {"a": {}},
            "ExpressionAttributeNames": {}, "ExpressionAttributeValues": {}},
            "ExpressionAttributeNames can only be specified when using expressions")
        self.assert_validation("UpdateItem", {
            "TableName": "nowhere", "Key": {"a": {}}, "ExpressionAttributeValues": {}},
            "ExpressionAttributeValues can only be specified when using expressions: "
            "UpdateExpression and ConditionExpression are null")
        self.assert_validation("DeleteItem", {
            "TableName": "nowhere", "Key": {"a": {"S": "x"}}, "ExpressionAttributeValues": {}},
            "ExpressionAttributeValues can only be specified when using expressions: "
            "ConditionExpression is null")
        self.assert_validation("GetItem", {
            "TableName": "nowhere", "Key": {"a": {"S": "x"}}, "ExpressionAttributeNames": {}},
            "ExpressionAttributeNames can only be specified when using expressions")
        self.assert_validation("BatchGetItem", {"RequestItems": {"nowhere": {
            "Keys": [{"a": {"S": "x"}}], "ExpressionAttributeNames": {"#a": "a"}}}},
            "ExpressionAttributeNames can only be specified when using expressions")

    def test_invalid_values_are_validation_errors(self):
        # The decoder reads "no", "yes", "0" and "1" as booleans; NULL must then be true.
        for body, message in [
            ({"a": {"NULL": "no"}}, "Null attribute value types must have the value of true"),
            ({"a": {"SS": ["a", "a"]}}, "Input collection [a, a] contains duplicates."),
            ({"a": {"NS": []}}, "An number set  may not be empty"),
        ]:
            self.assert_validation("PutItem", {"TableName": "nowhere", "Item": body},
                                   "One or more parameter values were invalid: " + message)
            self.assert_validation("GetItem", {"TableName": "nowhere", "Key": body},
                                   "One or more parameter values were invalid: " + message)
        status, out = self.raw("PutItem", {"TableName": "nowhere",
                                           "Item": {"a": {"NULL": "YES"}}})
        self.assertEqual(out.get("__type"), NOT_FOUND, out)

    def test_item_size_is_checked_before_the_table_and_the_expected_conditions(self):
        big = "x" * (400 * 1024)
        self.assert_validation("PutItem", {
            "TableName": "nowhere", "Item": {"a": {"S": "k"}, "b": {"S": big}},
            "Expected": {"a": {}}}, "Item size has exceeded the maximum allowed size")
        self.assert_validation("BatchWriteItem", {"RequestItems": {"nowhere": [
            {"PutRequest": {"Item": {"a": {"S": "k"}, "b": {"S": big}}}}]}},
            "Item size has exceeded the maximum allowed size")
        # 400 KB exactly: name "a" (1) + "k" (1) + name "b" (1) + the rest.
        fits = "x" * (400 * 1024 - 3)
        status, out = self.raw("PutItem", {"TableName": "nowhere",
                                           "Item": {"a": {"S": "k"}, "b": {"S": fits}}})
        self.assertEqual(out.get("__type"), NOT_FOUND, out)

    def test_key_errors_in_the_wording_of_keys_and_items(self):
        self.assert_validation("GetItem", {"TableName": "checks",
                                           "Key": {"pk": {"S": ""}, "sk": {"S": "a"}}},
                               "One or more parameter values were invalid: The AttributeValue for "
                               "a key attribute cannot contain an empty string value. Key: pk")
        self.assert_validation("PutItem", {"TableName": "checks",
                                           "Item": {"pk": {"S": ""}, "sk": {"S": "a"}}},
                               "One or more parameter values are not valid. The AttributeValue "
                               "for a key attribute cannot contain an empty string value. Key: pk")
        for item in [{"sk": {"S": "a"}}, {"pk": {"N": "1"}, "sk": {"S": "a"}}]:
            self.assert_validation("BatchWriteItem",
                                   {"RequestItems": {"checks": [{"PutRequest": {"Item": item}}]}},
                                   "The provided key element does not match the schema")

    def test_paths_into_key_attributes(self):
        key = {"pk": {"S": "p"}, "sk": {"S": "s"}}
        self.assert_validation("GetItem", {"TableName": "checks", "Key": key,
                                           "ProjectionExpression": "pk.x"}, SCALARS + "Key: pk")
        self.assert_validation("GetItem", {"TableName": "checks", "Key": key,
                                           "ProjectionExpression": "ix[0]"}, SCALARS + "IndexKey: ix")
        self.assert_validation("UpdateItem", {"TableName": "checks", "Key": key,
                                              "UpdateExpression": "SET y = ix.z"},
                               SCALARS + "IndexKey: ix")
        # A constant of the wrong type for an index key is found before any path.
        self.assert_validation("UpdateItem", {
            "TableName": "checks", "Key": key, "UpdateExpression": "SET y = ix.q ADD ix :n",
            "ExpressionAttributeValues": {":n": {"N": "1"}}},
            "One or more parameter values were invalid: Type mismatch for Index Key ix "
            "Expected: S Actual: N IndexName: by-ix")
        # A value read from the item is only known when the update runs.
        self.ddb.put_item(TableName="checks", Item={**key, "n": {"N": "1"}})
        self.assert_validation("UpdateItem", {"TableName": "checks", "Key": key,
                                              "UpdateExpression": "SET ix = n"},
                               "The update expression attempted to update the secondary index "
                               "key to unsupported type")

    def test_update_expression_errors_before_condition_errors(self):
        key = {"pk": {"S": "p"}, "sk": {"S": "s"}}
        self.assert_validation("UpdateItem", {"TableName": "checks", "Key": key,
                                              "UpdateExpression": "", "ConditionExpression": ""},
                               "Invalid UpdateExpression: The expression can not be empty;")
        status, out = self.raw("UpdateItem", {"TableName": "checks", "Key": key,
                                              "UpdateExpression": "SET a = set"})
        self.assertTrue(out["message"].startswith("Invalid UpdateExpression: Syntax error; "), out)

    def test_legacy_update_type_errors(self):
        key = {"pk": {"S": "t"}, "sk": {"S": "s"}}
        self.ddb.put_item(TableName="checks", Item={**key, "ss": {"SS": ["a"]}})
        self.assert_validation("UpdateItem", {
            "TableName": "checks", "Key": key,
            "AttributeUpdates": {"ss": {"Action": "ADD", "Value": {"NS": ["1"]}}}},
            "Type mismatch for attribute to update")

    def test_item_operations_report_capacity_units_alone(self):
        key = {"pk": {"S": "c"}, "sk": {"S": "s"}}
        out = self.ddb.put_item(TableName="checks", Item=key, ReturnConsumedCapacity="TOTAL")
        self.assertEqual(out["ConsumedCapacity"], {"TableName": "checks", "CapacityUnits": 1.0})
        out = self.ddb.get_item(TableName="checks", Key=key, ReturnConsumedCapacity="TOTAL")
        self.assertEqual(out["ConsumedCapacity"], {"TableName": "checks", "CapacityUnits": 0.5})
        out = self.ddb.delete_item(TableName="checks", Key=key, ReturnConsumedCapacity="INDEXES")
        self.assertEqual(out["ConsumedCapacity"],
                         {"TableName": "checks", "CapacityUnits": 1.0,
                          "Table": {"CapacityUnits": 1.0}})

    def make_table(self, name, items, blob):
        self.ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
        keys = [{"k": {"S": "%03d" % i}} for i in range(items)]
        for key in keys:
            self.ddb.put_item(TableName=name, Item={**key, "v": {"S": blob}})
        return keys

    def test_batch_get_reads_1_mb_of_a_partition(self):
        # A table is one partition, of which a call answers at most 1 MB + 400 KB: the item
        # that would pass it and the keys after it are left, each charged the least read.
        keys = self.make_table("big", 10, "b" * (390 * 1024))
        out = self.ddb.batch_get_item(RequestItems={"big": {"Keys": keys, "ConsistentRead": True}},
                                      ReturnConsumedCapacity="TOTAL")
        got = out["Responses"]["big"]
        left = out["UnprocessedKeys"]["big"]
        self.assertEqual(len(got), 3)  # 1,170 KB; a fourth would pass 1,424 KB
        self.assertEqual(left["Keys"], keys[3:])
        self.assertTrue(left["ConsistentRead"])
        self.assertEqual(out["ConsumedCapacity"][0]["CapacityUnits"], 3 * 98 + 7 * 1)
        again = self.ddb.batch_get_item(RequestItems=out["UnprocessedKeys"])
        self.assertEqual(len(again["Responses"]["big"]), 3)

    def test_batch_get_answers_at_most_16_mb(self):
        # 18 tables of 3 items of 390 KB: each table's 3 items are within its partition's limit;
        # the answer stops before the item that would pass 16 MB.
        blob = "b" * (390 * 1024)
        request = {}
        for t in range(18):
            request["t%02d" % t] = {"Keys": self.make_table("t%02d" % t, 3, blob)}
        out = self.ddb.batch_get_item(RequestItems=request)
        got = sum(len(items) for items in out["Responses"].values())
        left = sum(len(r["Keys"]) for r in out["UnprocessedKeys"].values())
        self.assertEqual(got + left, 54)
        self.assertEqual(got, 16 * 1024 * 1024 // (390 * 1024 + 5))


if __name__ == "__main__":
    unittest.main()
