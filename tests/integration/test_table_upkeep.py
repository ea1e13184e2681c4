"""DynamoDB's figures and deletions on any table size: DescribeTable's ItemCount, TableSizeBytes
and index counts are kept as items are written (whatever the write: PutItem, UpdateItem,
DeleteItem, BatchWriteItem, TransactWriteItems, PartiQL) and match the items there; DeleteTable
of a large table answers at once, nothing reaches the table afterwards, and its rows are gone by
the time it is no longer described, also when serverlite is killed in the middle."""
import signal
import time
import unittest

from harness import RestartTestCase, ServerTestCase


def create_indexed(ddb, name):
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "byG",
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}])


def fill(ddb, name, n):
    for base in range(0, n, 25):
        ddb.batch_write_item(RequestItems={name: [
            {"PutRequest": {"Item": {"pk": {"S": f"item{i}"}, "g": {"S": "x"}}}}
            for i in range(base, min(n, base + 25))]})


class TableCounts(ServerTestCase):
    APP = "tables"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.sl.boto3_client("dynamodb")

    def scanned(self, name, index=None):
        args = {"TableName": name, "Select": "COUNT"}
        if index:
            args["IndexName"] = index
        count, start = 0, None
        while True:
            if start:
                args["ExclusiveStartKey"] = start
            page = self.ddb.scan(**args)
            count += page["Count"]
            start = page.get("LastEvaluatedKey")
            if not start:
                return count

    def expect_counts(self, name, items, indexed):
        table = self.ddb.describe_table(TableName=name)["Table"]
        self.assertEqual(table["ItemCount"], items)
        self.assertEqual(table["ItemCount"], self.scanned(name))
        index = table["GlobalSecondaryIndexes"][0]
        self.assertEqual(index["ItemCount"], indexed)
        self.assertEqual(index["ItemCount"], self.scanned(name, "byG"))
        return table["TableSizeBytes"], index["IndexSizeBytes"]

    def test_counts_follow_every_kind_of_write(self):
        create_indexed(self.ddb, "counted")
        self.assertEqual(self.expect_counts("counted", 0, 0), (0, 0))
        self.ddb.put_item(TableName="counted", Item={"pk": {"S": "a"}, "g": {"S": "x"}})
        self.ddb.put_item(TableName="counted", Item={"pk": {"S": "b"}})
        size, index_size = self.expect_counts("counted", 2, 1)
        self.assertGreater(size, index_size)
        self.assertGreater(index_size, 0)
        self.ddb.update_item(TableName="counted", Key={"pk": {"S": "b"}},
                             UpdateExpression="SET g = :g, v = :v",
                             ExpressionAttributeValues={":g": {"S": "y"}, ":v": {"S": "v" * 100}})
        bigger, _ = self.expect_counts("counted", 2, 2)
        self.assertEqual(bigger, size + 101 + 2)  # "g" and its value, "v" and its 100 bytes
        fill(self.ddb, "counted", 60)
        self.expect_counts("counted", 62, 62)
        self.ddb.batch_write_item(RequestItems={"counted": [
            {"DeleteRequest": {"Key": {"pk": {"S": f"item{i}"}}}} for i in range(10)]})
        self.ddb.delete_item(TableName="counted", Key={"pk": {"S": "a"}})
        self.expect_counts("counted", 51, 51)
        self.ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "counted", "Item": {"pk": {"S": "t"}}}},
            {"Delete": {"TableName": "counted", "Key": {"pk": {"S": "item10"}}}},
            {"Update": {"TableName": "counted", "Key": {"pk": {"S": "item11"}},
                        "UpdateExpression": "REMOVE g"}}])
        self.expect_counts("counted", 51, 49)
        self.ddb.execute_statement(Statement="INSERT INTO counted VALUE {'pk': 'q1', 'g': 'x'}")
        self.ddb.execute_statement(Statement="UPDATE counted SET g = 'z' WHERE pk = 't'")
        self.ddb.execute_statement(Statement="DELETE FROM counted WHERE pk = 'item12'")
        self.ddb.batch_execute_statement(Statements=[
            {"Statement": "INSERT INTO counted VALUE {'pk': 'q2'}"},
            {"Statement": "DELETE FROM counted WHERE pk = 'item13'"}])
        self.expect_counts("counted", 51, 49)
        # Everything deleted: nothing left to count, not even bytes.
        start = None
        while True:
            page = self.ddb.scan(TableName="counted", **({"ExclusiveStartKey": start} if start else {}))
            for item in page["Items"]:
                self.ddb.delete_item(TableName="counted", Key={"pk": item["pk"]})
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        self.assertEqual(self.expect_counts("counted", 0, 0), (0, 0))

    def test_large_table_is_gone_for_clients_at_once(self):
        create_indexed(self.ddb, "doomed")
        fill(self.ddb, "doomed", 12000)
        self.assertEqual(self.ddb.describe_table(TableName="doomed")["Table"]["ItemCount"], 12000)
        answer = self.ddb.delete_table(TableName="doomed")["TableDescription"]
        self.assertEqual(answer["TableStatus"], "DELETING")
        # DELETING while its 24,000 rows (items and index entries) go a slice of about 2 ms every
        # 5 ms: its name is in use until then, and nothing reaches its items.
        self.assertEqual(self.ddb.describe_table(TableName="doomed")["Table"]["TableStatus"],
                         "DELETING")
        self.assertIn("doomed", self.ddb.list_tables()["TableNames"])
        with self.assertRaises(self.ddb.exceptions.ResourceInUseException):
            create_indexed(self.ddb, "doomed")
        with self.assertRaises(self.ddb.exceptions.ResourceNotFoundException):
            self.ddb.get_item(TableName="doomed", Key={"pk": {"S": "item1"}})
        with self.assertRaises(self.ddb.exceptions.ResourceNotFoundException):
            self.ddb.put_item(TableName="doomed", Item={"pk": {"S": "late"}})
        self.ddb.get_waiter("table_not_exists").wait(
            TableName="doomed", WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        create_indexed(self.ddb, "doomed")
        self.expect_counts("doomed", 0, 0)
        self.ddb.delete_table(TableName="doomed")


class TableDeletionSurvivesKill(RestartTestCase):
    SERVICE = "dynamodb"

    def test_deletion_killed_midway_is_finished_at_the_next_start(self):
        sl = self.start()
        ddb = self.client(sl)
        create_indexed(ddb, "big")
        create_indexed(ddb, "kept")
        fill(ddb, "big", 12000)
        ddb.put_item(TableName="kept", Item={"pk": {"S": "k"}, "g": {"S": "x"}})
        ddb.delete_table(TableName="big")
        sl.stop(signal.SIGKILL)
        sl = self.start()
        ddb = self.client(sl)
        with self.assertRaises(ddb.exceptions.ResourceNotFoundException):
            ddb.describe_table(TableName="big")
        self.assertEqual(ddb.list_tables()["TableNames"], ["kept"])
        self.assertEqual(ddb.describe_table(TableName="kept")["Table"]["ItemCount"], 1)
        create_indexed(ddb, "big")
        table = ddb.describe_table(TableName="big")["Table"]
        self.assertEqual(table["ItemCount"], 0)
        self.assertEqual(ddb.scan(TableName="big")["Count"], 0)


if __name__ == "__main__":
    unittest.main()
