"""DynamoDB semantics through boto3 where a user meets them: legacy queries with projections,
updates of missing items, conditions on lists and maps, indexes added later, consumed capacity,
the service's size limits, starting keys, and the continuous backups settings."""
import json
import unittest

from harness import RestartTestCase, ServerTestCase


class TableSemantics(ServerTestCase):
    APP = "tables"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.sl.boto3_client("dynamodb")
        cls.streams = cls.sl.boto3_client("dynamodbstreams")

    def table(self, name, stream=False, range_type="N"):
        extra = {}
        if stream:
            extra["StreamSpecification"] = {"StreamEnabled": True,
                                            "StreamViewType": "NEW_AND_OLD_IMAGES"}
        out = self.ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": range_type}], **extra)
        return out["TableDescription"]

    def raw(self, action, body):
        status, _, data = self.sl.request("POST", self.sl.aws_url + "/", json.dumps(body).encode(), {
            "X-Amz-Target": "DynamoDB_20120810." + action,
            "Content-Type": "application/x-amz-json-1.0"})
        return status, json.loads(data)

    def error(self, call, **kwargs):
        with self.assertRaises(self.ddb.exceptions.ClientError) as ctx:
            call(**kwargs)
        return ctx.exception.response["Error"]

    def records(self, stream_arn):
        shard = self.streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]
        it = self.streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard["ShardId"],
                                             ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        return self.streams.get_records(ShardIterator=it)["Records"]

    # ---- legacy KeyConditions with a projection -------------------------------------------

    def test_legacy_key_conditions_with_a_projection_or_select(self):
        self.table("legacy-proj")
        for sk in (1, 2):
            self.ddb.put_item(TableName="legacy-proj", Item={
                "pk": {"S": "a"}, "sk": {"N": str(sk)}, "x": {"S": "x%d" % sk}, "y": {"N": "7"}})
        kc = {"pk": {"AttributeValueList": [{"S": "a"}], "ComparisonOperator": "EQ"}}
        out = self.ddb.query(TableName="legacy-proj", KeyConditions=kc, AttributesToGet=["x"])
        self.assertEqual(out["Items"], [{"x": {"S": "x1"}}, {"x": {"S": "x2"}}])
        out = self.ddb.query(TableName="legacy-proj", KeyConditions=kc,
                             ProjectionExpression="#y", ExpressionAttributeNames={"#y": "y"})
        self.assertEqual(out["Items"], [{"y": {"N": "7"}}, {"y": {"N": "7"}}])
        out = self.ddb.query(TableName="legacy-proj", KeyConditions=kc, Select="COUNT")
        self.assertEqual((out["Count"], "Items" in out), (2, False))
        out = self.ddb.query(TableName="legacy-proj", KeyConditions=kc,
                             Select="SPECIFIC_ATTRIBUTES", AttributesToGet=["sk"],
                             QueryFilter={"x": {"AttributeValueList": [{"S": "x2"}],
                                                "ComparisonOperator": "EQ"}})
        self.assertEqual(out["Items"], [{"sk": {"N": "2"}}])

    # ---- updates that only remove, on a missing item ---------------------------------------

    def test_an_update_that_only_removes_leaves_a_missing_item_missing(self):
        arn = self.table("rm-missing", stream=True)["LatestStreamArn"]
        key = {"pk": {"S": "a"}, "sk": {"N": "1"}}
        out = self.ddb.update_item(TableName="rm-missing", Key=key, UpdateExpression="REMOVE x, y",
                                   ReturnValues="ALL_NEW", ReturnConsumedCapacity="TOTAL")
        self.assertNotIn("Attributes", out)
        self.assertEqual(out["ConsumedCapacity"]["CapacityUnits"], 1.0)
        self.ddb.update_item(TableName="rm-missing", Key=key, UpdateExpression="DELETE s :v",
                             ExpressionAttributeValues={":v": {"SS": ["q"]}})
        self.ddb.update_item(TableName="rm-missing", Key=key,
                             AttributeUpdates={"x": {"Action": "DELETE"}})
        self.ddb.transact_write_items(TransactItems=[{"Update": {
            "TableName": "rm-missing", "Key": key, "UpdateExpression": "REMOVE x"}}])
        self.assertNotIn("Item", self.ddb.get_item(TableName="rm-missing", Key=key))
        self.assertEqual(self.ddb.scan(TableName="rm-missing")["Count"], 0)
        self.assertEqual(self.records(arn), [])
        # Anything that sets a value creates it; REMOVE of an existing item's attribute works.
        self.ddb.update_item(TableName="rm-missing", Key=key, UpdateExpression="SET x = :v REMOVE y",
                             ExpressionAttributeValues={":v": {"S": "v"}})
        self.ddb.update_item(TableName="rm-missing", Key=key, UpdateExpression="REMOVE x")
        self.assertEqual(self.ddb.get_item(TableName="rm-missing", Key=key)["Item"], key)
        self.assertEqual([r["eventName"] for r in self.records(arn)], ["INSERT", "MODIFY"])
        # No update at all still creates the item with its key, as DynamoDB does.
        key2 = {"pk": {"S": "b"}, "sk": {"N": "1"}}
        self.ddb.update_item(TableName="rm-missing", Key=key2)
        self.assertEqual(self.ddb.get_item(TableName="rm-missing", Key=key2)["Item"], key2)

    # ---- comparisons with values that have no order -----------------------------------------

    def test_ordering_a_list_or_map_value_is_a_validation_error(self):
        self.table("order-types")
        key = {"pk": {"S": "a"}, "sk": {"N": "1"}}
        self.ddb.put_item(TableName="order-types", Item=dict(key, a={"L": [{"N": "1"}]}))
        cases = [("a < :v", "<", {"L": [{"N": "1"}]}), ("a >= :v", ">=", {"M": {}}),
                 (":v > a", ">", {"BOOL": True}), ("a <= :v", "<=", {"SS": ["x"]}),
                 ("a BETWEEN :v AND :w", "BETWEEN", {"L": []})]
        for text, op, value in cases:
            values = {":v": value}
            if ":w" in text:
                values[":w"] = value
            err = self.error(self.ddb.put_item, TableName="order-types", Item=key,
                             ConditionExpression=text, ExpressionAttributeValues=values)
            self.assertEqual((err["Code"], err["Message"]), (
                "ValidationException",
                "Invalid ConditionExpression: Incorrect operand type for operator or function; "
                "operator or function: %s, operand type: %s" % (op, next(iter(value)))))
        err = self.error(self.ddb.scan, TableName="order-types", FilterExpression="a > :v",
                         ExpressionAttributeValues={":v": {"M": {"x": {"S": "y"}}}})
        self.assertEqual(err["Message"],
                         "Invalid FilterExpression: Incorrect operand type for operator or "
                         "function; operator or function: >, operand type: M")
        # Equality with a list is fine, and a path holding a list compares as false.
        self.ddb.put_item(TableName="order-types", Item=key, ConditionExpression="a = :v",
                          ExpressionAttributeValues={":v": {"L": [{"N": "1"}]}})
        err = self.error(self.ddb.put_item, TableName="order-types", Item=key,
                         ConditionExpression="a < :v", ExpressionAttributeValues={":v": {"N": "1"}})
        self.assertEqual(err["Code"], "ConditionalCheckFailedException")

    # ---- a global index added to a table that has items ---------------------------------------

    def test_an_added_index_leaves_out_items_without_usable_keys(self):
        self.ddb.create_table(
            TableName="late-gsi", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        items = {"good": {"g": {"S": "x"}, "r": {"N": "1"}},
                 "good2": {"g": {"S": "x"}, "r": {"N": "2"}, "other": {"BOOL": True}},
                 "no-g": {"r": {"N": "3"}},
                 "no-r": {"g": {"S": "x"}},
                 "g-number": {"g": {"N": "5"}, "r": {"N": "4"}},
                 "r-string": {"g": {"S": "x"}, "r": {"S": "5"}},
                 "g-empty": {"g": {"S": ""}, "r": {"N": "6"}},
                 "g-list": {"g": {"L": [{"S": "x"}]}, "r": {"N": "7"}}}
        for pk, attrs in items.items():
            self.ddb.put_item(TableName="late-gsi", Item=dict(attrs, pk={"S": pk}))
        self.ddb.update_table(
            TableName="late-gsi",
            AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"},
                                  {"AttributeName": "r", "AttributeType": "N"}],
            GlobalSecondaryIndexUpdates=[{"Create": {
                "IndexName": "byG",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                              {"AttributeName": "r", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"}}}])
        scanned = self.ddb.scan(TableName="late-gsi", IndexName="byG")["Items"]
        self.assertEqual(sorted(i["pk"]["S"] for i in scanned), ["good", "good2"])
        got = self.ddb.query(TableName="late-gsi", IndexName="byG",
                             KeyConditionExpression="g = :g", ExpressionAttributeValues={":g": {"S": "x"}})
        self.assertEqual([i["pk"]["S"] for i in got["Items"]], ["good", "good2"])
        d = self.ddb.describe_table(TableName="late-gsi")["Table"]["GlobalSecondaryIndexes"][0]
        self.assertEqual(d["ItemCount"], 2)
        # Deleting a left-out item touches nothing in the index.
        self.ddb.delete_item(TableName="late-gsi", Key={"pk": {"S": "g-number"}})
        self.ddb.delete_item(TableName="late-gsi", Key={"pk": {"S": "good"}})
        d = self.ddb.describe_table(TableName="late-gsi")["Table"]["GlobalSecondaryIndexes"][0]
        self.assertEqual(d["ItemCount"], 1)

    # ---- consumed capacity --------------------------------------------------------------------

    def test_consumed_capacity_of_batches_indexes_and_scans(self):
        self.ddb.create_table(
            TableName="cap-idx", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "g", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[{"IndexName": "byG",
                                     "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "KEYS_ONLY"}}])
        self.table("cap-plain")
        # BatchWriteItem: one entry per table, each write costed as its own PutItem would be.
        out = self.ddb.batch_write_item(RequestItems={
            "cap-plain": [{"PutRequest": {"Item": {"pk": {"S": "a"}, "sk": {"N": "1"},
                                                   "x": {"S": "x" * 1500}}}},
                          {"PutRequest": {"Item": {"pk": {"S": "a"}, "sk": {"N": "2"}}}}],
            "cap-idx": [{"PutRequest": {"Item": {"pk": {"S": "a"}, "g": {"S": "g1"}}}},
                        {"PutRequest": {"Item": {"pk": {"S": "b"}}}}]},
            ReturnConsumedCapacity="INDEXES")
        by_table = {c["TableName"]: c for c in out["ConsumedCapacity"]}
        self.assertEqual(by_table["cap-plain"]["CapacityUnits"], 3.0)
        self.assertNotIn("WriteCapacityUnits", by_table["cap-plain"])  # batches: units alone
        self.assertEqual(by_table["cap-plain"]["Table"], {"CapacityUnits": 3.0})
        self.assertEqual(by_table["cap-idx"]["CapacityUnits"], 3.0)
        self.assertEqual(by_table["cap-idx"]["Table"], {"CapacityUnits": 2.0})
        self.assertEqual(by_table["cap-idx"]["GlobalSecondaryIndexes"], {"byG": {"CapacityUnits": 1.0}})
        out = self.ddb.batch_write_item(RequestItems={"cap-plain": [
            {"DeleteRequest": {"Key": {"pk": {"S": "a"}, "sk": {"N": "2"}}}}]},
            ReturnConsumedCapacity="TOTAL")
        self.assertEqual(out["ConsumedCapacity"][0]["TableName"], "cap-plain")
        self.assertEqual(out["ConsumedCapacity"][0]["CapacityUnits"], 1.0)
        self.assertNotIn("ConsumedCapacity", self.ddb.batch_write_item(RequestItems={"cap-plain": [
            {"DeleteRequest": {"Key": {"pk": {"S": "a"}, "sk": {"N": "2"}}}}]}))
        # Single writes: an index entry put, moved (delete + put), untouched, deleted.
        out = self.ddb.put_item(TableName="cap-idx", Item={"pk": {"S": "c"}, "g": {"S": "g2"}},
                                ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
        self.assertEqual((out["CapacityUnits"], out["Table"], out["GlobalSecondaryIndexes"]),
                         (2.0, {"CapacityUnits": 1.0}, {"byG": {"CapacityUnits": 1.0}}))
        out = self.ddb.update_item(TableName="cap-idx", Key={"pk": {"S": "c"}},
                                   UpdateExpression="SET g = :g",
                                   ExpressionAttributeValues={":g": {"S": "g3"}},
                                   ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
        self.assertEqual((out["CapacityUnits"], out["GlobalSecondaryIndexes"]),
                         (3.0, {"byG": {"CapacityUnits": 2.0}}))
        out = self.ddb.update_item(TableName="cap-idx", Key={"pk": {"S": "c"}},
                                   UpdateExpression="SET note = :o",
                                   ExpressionAttributeValues={":o": {"S": "o"}},
                                   ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
        self.assertEqual(out["CapacityUnits"], 1.0)  # KEYS_ONLY: the entry did not change
        out = self.ddb.delete_item(TableName="cap-idx", Key={"pk": {"S": "c"}},
                                   ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
        self.assertEqual(out["GlobalSecondaryIndexes"], {"byG": {"CapacityUnits": 1.0}})
        # Reads of an index are charged to it, not to the table.
        out = self.ddb.query(TableName="cap-idx", IndexName="byG", KeyConditionExpression="g = :g",
                             ExpressionAttributeValues={":g": {"S": "g1"}},
                             ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
        self.assertEqual((out["CapacityUnits"], out["Table"], out["GlobalSecondaryIndexes"]),
                         (0.5, {"CapacityUnits": 0.0}, {"byG": {"CapacityUnits": 0.5}}))
        out = self.ddb.scan(TableName="cap-idx", IndexName="byG",
                            ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
        self.assertEqual(out["CapacityUnits"], 0.5)
        # Scan: the sizes of the items read, summed, rounded up to 4 KB, halved when eventual.
        for i in range(10):
            self.ddb.put_item(TableName="cap-plain", Item={"pk": {"S": "s"}, "sk": {"N": str(i)},
                                                            "x": {"S": "x" * 1000}})
        out = self.ddb.scan(TableName="cap-plain", ReturnConsumedCapacity="TOTAL",
                            FilterExpression="sk = :z", ExpressionAttributeValues={":z": {"N": "0"}})
        self.assertEqual(out["ConsumedCapacity"]["CapacityUnits"], 1.5)  # 11.5 KB: 3 units, halved
        out = self.ddb.scan(TableName="cap-plain", ReturnConsumedCapacity="TOTAL", ConsistentRead=True)
        self.assertEqual(out["ConsumedCapacity"]["CapacityUnits"], 3.0)
        out = self.ddb.batch_get_item(RequestItems={"cap-plain": {"Keys": [
            {"pk": {"S": "s"}, "sk": {"N": "1"}}]}}, ReturnConsumedCapacity="INDEXES")
        self.assertEqual(out["ConsumedCapacity"][0]["Table"], {"CapacityUnits": 0.5})

    # ---- limits ---------------------------------------------------------------------------------

    def test_limits_of_keys_names_and_transactions(self):
        self.table("limits", range_type="B")
        key = {"pk": {"S": "a"}, "sk": {"B": b"x"}}

        def invalid(call, message, **kwargs):
            err = self.error(call, TableName="limits", **kwargs)
            self.assertEqual((err["Code"], err["Message"]), ("ValidationException", message))

        # Key values: 2048 bytes of partition key (UTF-8 bytes), 1024 of sort key.
        self.ddb.put_item(TableName="limits", Item={"pk": {"S": "é" * 1024}, "sk": {"B": b"x" * 1024}})
        invalid(self.ddb.put_item, "One or more parameter values were invalid: Size of hashkey has "
                "exceeded the maximum size limit of2048 bytes",
                Item={"pk": {"S": "é" * 1024 + "a"}, "sk": {"B": b"x"}})
        invalid(self.ddb.put_item, "One or more parameter values were invalid: Aggregated size of "
                "all range keys has exceeded the size limit of 1024 bytes",
                Item={"pk": {"S": "a"}, "sk": {"B": b"x" * 1025}})
        invalid(self.ddb.get_item, "One or more parameter values were invalid: Size of hashkey has "
                "exceeded the maximum size limit of2048 bytes",
                Key={"pk": {"S": "a" * 2049}, "sk": {"B": b"x"}})
        # Attribute names: not empty, at most 65535 bytes.
        self.ddb.put_item(TableName="limits", Item=dict(key, **{"n" * 65535: {"S": "x"}}))
        invalid(self.ddb.put_item, "One or more parameter values were invalid: Attribute name "
                "exceeds the maximum length of 65535 bytes", Item=dict(key, **{"n" * 65536: {"S": "x"}}))
        invalid(self.ddb.put_item, "One or more parameter values were invalid: An attribute name "
                "cannot be empty", Item=dict(key, **{"": {"S": "x"}}))
        invalid(self.ddb.update_item, "ExpressionAttributeNames contains invalid value: Empty "
                "attribute name for key #e", Key=key, UpdateExpression="SET #e = :v",
                ExpressionAttributeNames={"#e": ""}, ExpressionAttributeValues={":v": {"S": "x"}})
        # A transaction's items: 4 MB in all.
        big = "x" * (390 * 1024)
        err = self.error(self.ddb.transact_write_items, TransactItems=[
            {"Put": {"TableName": "limits", "Item": {"pk": {"S": "p%d" % i}, "sk": {"B": b"x"},
                                                      "d": {"S": big}}}} for i in range(11)])
        self.assertEqual((err["Code"], err["Message"]), (
            "ValidationException", "Transaction size has exceeded the maximum allowed size of 4 MB"))
        self.assertNotIn("Item", self.ddb.get_item(TableName="limits",
                                                   Key={"pk": {"S": "p0"}, "sk": {"B": b"x"}}))
        self.ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "limits", "Item": {"pk": {"S": "p%d" % i}, "sk": {"B": b"x"},
                                                      "d": {"S": big}}}} for i in range(10)])

    # ---- starting keys and update functions ---------------------------------------------------

    def test_starting_keys_are_checked_against_the_key_schema(self):
        self.ddb.create_table(
            TableName="start-keys", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "N"},
                                  {"AttributeName": "g", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[{"IndexName": "byG",
                                     "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "ALL"}}])
        # DynamoDB words it with or without ": The provided key element does not match the
        # schema", depending on the read (the peer suite, written against it, has both).
        schema = "The provided starting key is invalid"
        good = {"pk": {"S": "a"}, "sk": {"N": "1"}}
        for start in ({"pk": {"S": "a"}}, dict(good, x={"S": "1"}), {"pk": {"S": "a"}, "sk": {"S": "1"}}):
            err = self.error(self.ddb.scan, TableName="start-keys", ExclusiveStartKey=start)
            self.assertTrue(err["Message"].startswith(schema), err["Message"])
        for start in (good, dict(good, g={"S": "x"}, extra={"S": "y"}), {"pk": {"S": "a"}, "g": {"S": "x"}}):
            err = self.error(self.ddb.scan, TableName="start-keys", IndexName="byG",
                             ExclusiveStartKey=start)
            self.assertTrue(err["Message"].startswith(schema), err["Message"])
        self.ddb.scan(TableName="start-keys", IndexName="byG", ExclusiveStartKey=dict(good, g={"S": "x"}))
        # A Query resumes only from a key inside its range condition.
        err = self.error(self.ddb.query, TableName="start-keys", ExclusiveStartKey=good,
                         KeyConditionExpression="pk = :p AND sk > :s",
                         ExpressionAttributeValues={":p": {"S": "a"}, ":s": {"N": "5"}})
        self.assertEqual(err["Message"], "The provided starting key does not match the range key predicate")
        # ... checked before its partition, which must be the query's.
        err = self.error(self.ddb.query, TableName="start-keys",
                         ExclusiveStartKey={"pk": {"S": "b"}, "sk": {"N": "1"}},
                         KeyConditionExpression="pk = :p AND sk > :s",
                         ExpressionAttributeValues={":p": {"S": "a"}, ":s": {"N": "5"}})
        self.assertEqual(err["Message"], "The provided starting key does not match the range key predicate")
        err = self.error(self.ddb.query, TableName="start-keys",
                         ExclusiveStartKey={"pk": {"S": "b"}, "sk": {"N": "6"}},
                         KeyConditionExpression="pk = :p AND sk > :s",
                         ExpressionAttributeValues={":p": {"S": "a"}, ":s": {"N": "5"}})
        self.assertEqual(err["Message"], "The query can return at most one row and cannot be restarted")
        self.ddb.query(TableName="start-keys", ExclusiveStartKey={"pk": {"S": "a"}, "sk": {"N": "6"}},
                       KeyConditionExpression="pk = :p AND sk > :s",
                       ExpressionAttributeValues={":p": {"S": "a"}, ":s": {"N": "5"}})

    def test_functions_in_update_expressions(self):
        self.table("upd-funcs")
        key = {"pk": {"S": "a"}, "sk": {"N": "1"}}
        err = self.error(self.ddb.update_item, TableName="upd-funcs", Key=key,
                         UpdateExpression="SET a = no_such(b)")
        self.assertEqual(err["Message"], "Invalid UpdateExpression: Invalid function name; function: no_such")
        err = self.error(self.ddb.update_item, TableName="upd-funcs", Key=key,
                         UpdateExpression="SET a = size(b)")
        self.assertEqual(err["Message"], "Invalid UpdateExpression: The function is not allowed "
                                         "in an update expression; function: size")

    # ---- continuous backups ---------------------------------------------------------------------

    def test_continuous_backups(self):
        arn = self.table("backups")["TableArn"]
        d = self.ddb.describe_continuous_backups(TableName="backups")["ContinuousBackupsDescription"]
        self.assertEqual(d, {"ContinuousBackupsStatus": "ENABLED",
                             "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}})
        d = self.ddb.update_continuous_backups(
            TableName="backups",
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})["ContinuousBackupsDescription"]
        pitr = d["PointInTimeRecoveryDescription"]
        self.assertEqual(pitr["PointInTimeRecoveryStatus"], "ENABLED")
        self.assertLessEqual(pitr["EarliestRestorableDateTime"], pitr["LatestRestorableDateTime"])
        d = self.ddb.describe_continuous_backups(TableName=arn)["ContinuousBackupsDescription"]
        self.assertEqual(d["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"], "ENABLED")
        for name in ("no-such-table", arn + "x"):
            err = self.error(self.ddb.describe_continuous_backups, TableName=name)
            self.assertEqual(err["Code"], "TableNotFoundException")
        err = self.error(self.ddb.update_continuous_backups, TableName="no-such-table",
                         PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
        self.assertEqual((err["Code"], err["Message"]), ("TableNotFoundException",
                                                         "Table not found: no-such-table"))
        self.ddb.update_continuous_backups(
            TableName="backups", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False})
        d = self.ddb.describe_continuous_backups(TableName="backups")["ContinuousBackupsDescription"]
        self.assertEqual(d["PointInTimeRecoveryDescription"], {"PointInTimeRecoveryStatus": "DISABLED"})
        # The AWS CLI, as tools call it at start-up.
        out = self.sl.aws_cli("dynamodb", "describe-continuous-backups", "--table-name", "backups")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(json.loads(out.stdout)["ContinuousBackupsDescription"]
                         ["ContinuousBackupsStatus"], "ENABLED")


class TableSemanticsRestart(RestartTestCase):
    APP = "tables"

    def test_point_in_time_recovery_survives_a_restart(self):
        sl = self.start()
        ddb = sl.boto3_client("dynamodb")
        ddb.create_table(TableName="pitr-kept", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        # RecoveryPeriodInDays is newer than some botocore releases: raw JSON 1.0.
        status, _, data = sl.request("POST", sl.aws_url + "/", json.dumps({
            "TableName": "pitr-kept", "PointInTimeRecoverySpecification": {
                "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 7}}).encode(), {
            "X-Amz-Target": "DynamoDB_20120810.UpdateContinuousBackups",
            "Content-Type": "application/x-amz-json-1.0"})
        self.assertEqual(status, 200, data)
        self.assertEqual(json.loads(data)["ContinuousBackupsDescription"]
                         ["PointInTimeRecoveryDescription"]["RecoveryPeriodInDays"], 7)
        sl.stop()
        ddb = self.start().boto3_client("dynamodb")
        pitr = ddb.describe_continuous_backups(TableName="pitr-kept")[
            "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        self.assertEqual(pitr["PointInTimeRecoveryStatus"], "ENABLED")


if __name__ == "__main__":
    unittest.main()
