"""TransactWriteItems and TransactGetItems through boto3 (client and the Table resource's client)
and the AWS CLI: all-or-nothing writes, cancellation reasons in order, ClientRequestToken
idempotency, transactional reads, and the validation DynamoDB does."""
import json
import unittest

from harness import ServerTestCase


def s(v):
    return {"S": v}


def n(v):
    return {"N": str(v)}


class TableTransactions(ServerTestCase):
    APP = "tables"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.sl.boto3_client("dynamodb")
        for name in ("tx-accounts", "tx-log"):
            cls.ddb.create_table(
                TableName=name, BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})

    def balance(self, account):
        item = self.ddb.get_item(TableName="tx-accounts", Key={"id": s(account)}).get("Item")
        return int(item["balance"]["N"]) if item else None

    def transfer(self, src, dst, amount, token=None, log_id=None):
        items = [
            {"Update": {"TableName": "tx-accounts", "Key": {"id": s(src)},
                        "UpdateExpression": "SET balance = balance - :a",
                        "ConditionExpression": "balance >= :a",
                        "ExpressionAttributeValues": {":a": n(amount)},
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
            {"Update": {"TableName": "tx-accounts", "Key": {"id": s(dst)},
                        "UpdateExpression": "SET balance = if_not_exists(balance, :zero) + :a",
                        "ExpressionAttributeValues": {":a": n(amount), ":zero": n(0)}}},
            {"Put": {"TableName": "tx-log", "Item": {"id": s(log_id or f"{src}-{dst}-{amount}"),
                                                     "amount": n(amount)},
                     "ConditionExpression": "attribute_not_exists(id)"}},
        ]
        kwargs = {"ClientRequestToken": token} if token else {}
        return self.ddb.transact_write_items(TransactItems=items, **kwargs)

    def cancelled(self, call, **kwargs):
        with self.assertRaises(self.ddb.exceptions.TransactionCanceledException) as ctx:
            call(**kwargs)
        return ctx.exception.response

    def test_all_or_nothing(self):
        self.ddb.put_item(TableName="tx-accounts", Item={"id": s("alice"), "balance": n(100)})
        self.transfer("alice", "bob", 30)
        self.assertEqual((self.balance("alice"), self.balance("bob")), (70, 30))
        # Not enough money: nothing at all changes, and the reasons say which action failed.
        err = self.cancelled(self.transfer, src="alice", dst="bob", amount=500)
        self.assertEqual(err["Error"]["Message"],
                         "Transaction cancelled, please refer cancellation reasons for specific "
                         "reasons [ConditionalCheckFailed, None, None]")
        reasons = err["CancellationReasons"]
        self.assertEqual([r["Code"] for r in reasons], ["ConditionalCheckFailed", "None", "None"])
        self.assertEqual(reasons[0]["Message"], "The conditional request failed")
        self.assertEqual(reasons[0]["Item"]["balance"], n(70))
        self.assertEqual((self.balance("alice"), self.balance("bob")), (70, 30))
        self.assertNotIn("Item", self.ddb.get_item(TableName="tx-log",
                                                   Key={"id": s("alice-bob-500")}))
        # A failing action later in the list also leaves no trace of the earlier ones.
        err = self.cancelled(self.transfer, src="alice", dst="bob", amount=30)  # log id taken
        self.assertEqual([r["Code"] for r in err["CancellationReasons"]],
                         ["None", "None", "ConditionalCheckFailed"])
        self.assertEqual((self.balance("alice"), self.balance("bob")), (70, 30))

    def test_condition_check_and_delete(self):
        self.ddb.put_item(TableName="tx-accounts", Item={"id": s("carol"), "frozen": {"BOOL": True}})
        self.ddb.put_item(TableName="tx-log", Item={"id": s("to-delete")})
        items = [
            {"ConditionCheck": {"TableName": "tx-accounts", "Key": {"id": s("carol")},
                                "ConditionExpression": "frozen = :no",
                                "ExpressionAttributeValues": {":no": {"BOOL": False}}}},
            {"Delete": {"TableName": "tx-log", "Key": {"id": s("to-delete")}}},
        ]
        err = self.cancelled(self.ddb.transact_write_items, TransactItems=items)
        self.assertEqual([r["Code"] for r in err["CancellationReasons"]],
                         ["ConditionalCheckFailed", "None"])
        self.assertIn("Item", self.ddb.get_item(TableName="tx-log", Key={"id": s("to-delete")}))
        self.ddb.update_item(TableName="tx-accounts", Key={"id": s("carol")},
                             UpdateExpression="SET frozen = :no",
                             ExpressionAttributeValues={":no": {"BOOL": False}})
        self.ddb.transact_write_items(TransactItems=items)
        self.assertNotIn("Item", self.ddb.get_item(TableName="tx-log", Key={"id": s("to-delete")}))

    def test_client_request_token_makes_a_retry_harmless(self):
        self.ddb.put_item(TableName="tx-accounts", Item={"id": s("dave"), "balance": n(10)})
        self.transfer("dave", "erin", 4, token="retry-1", log_id="t1")
        self.transfer("dave", "erin", 4, token="retry-1", log_id="t1")  # the same request again
        self.assertEqual((self.balance("dave"), self.balance("erin")), (6, 4))
        with self.assertRaises(self.ddb.exceptions.IdempotentParameterMismatchException):
            self.transfer("dave", "erin", 5, token="retry-1", log_id="t2")
        self.assertEqual(self.balance("dave"), 6)

    def test_transact_get_items(self):
        self.ddb.put_item(TableName="tx-accounts", Item={"id": s("gina"), "balance": n(5),
                                                         "name": s("Gina")})
        out = self.ddb.transact_get_items(TransactItems=[
            {"Get": {"TableName": "tx-accounts", "Key": {"id": s("gina")},
                     "ProjectionExpression": "#n", "ExpressionAttributeNames": {"#n": "name"}}},
            {"Get": {"TableName": "tx-accounts", "Key": {"id": s("nobody")}}},
        ])
        self.assertEqual(out["Responses"], [{"Item": {"name": s("Gina")}}, {}])

    def test_validation(self):
        item = {"Put": {"TableName": "tx-log", "Item": {"id": s("dup")}}}
        err = self.error(self.ddb.transact_write_items, TransactItems=[item, item])
        self.assertEqual(err["Message"],
                         "Transaction request cannot include multiple operations on one item")
        err = self.error(self.ddb.transact_write_items, TransactItems=[
            {"Put": {"TableName": "tx-log", "Item": {"id": s(str(i))}}} for i in range(101)])
        self.assertIn("Member must have length less than or equal to 100", err["Message"])
        err = self.error(self.ddb.transact_write_items, TransactItems=[
            {"Put": {"TableName": "no-such-table", "Item": {"id": s("x")}}}])
        self.assertEqual(err["Code"], "ResourceNotFoundException")
        err = self.error(self.ddb.transact_write_items, TransactItems=[
            {"Update": {"TableName": "tx-log", "Key": {"id": s("x")},
                        "UpdateExpression": "SET a = :v",
                        "ExpressionAttributeValues": {":v": s("1"), ":unused": s("2")}}}])
        self.assertIn("Value provided in ExpressionAttributeValues unused in expressions",
                      err["Message"])
        # An update that fails on the item it finds is a cancellation with ValidationError.
        self.ddb.put_item(TableName="tx-log", Item={"id": s("text"), "v": s("abc")})
        err = self.cancelled(self.ddb.transact_write_items, TransactItems=[
            {"Update": {"TableName": "tx-log", "Key": {"id": s("text")},
                        "UpdateExpression": "SET v = v + :one",
                        "ExpressionAttributeValues": {":one": n(1)}}}])
        self.assertEqual(err["CancellationReasons"][0]["Code"], "ValidationError")
        self.assertIn("An operand in the update expression has an incorrect data type",
                      err["CancellationReasons"][0]["Message"])

    def test_writes_reach_the_stream_once_each(self):
        arn = self.ddb.describe_table(TableName="tx-log")["Table"]["LatestStreamArn"]
        self.ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "tx-log", "Item": {"id": s("stream-a")}}},
            {"Put": {"TableName": "tx-log", "Item": {"id": s("stream-b")}}}])
        self.cancelled(self.ddb.transact_write_items, TransactItems=[
            {"Put": {"TableName": "tx-log", "Item": {"id": s("stream-c")}}},
            {"Put": {"TableName": "tx-log", "Item": {"id": s("stream-a")},
                     "ConditionExpression": "attribute_not_exists(id)"}}])
        streams = self.sl.boto3_client("dynamodbstreams")
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        keys = [r["dynamodb"]["Keys"]["id"]["S"]
                for r in streams.get_records(ShardIterator=it)["Records"]]
        self.assertIn("stream-a", keys)
        self.assertIn("stream-b", keys)
        self.assertNotIn("stream-c", keys)

    def test_cli(self):
        r = self.sl.aws_cli("dynamodb", "transact-write-items", "--transact-items", json.dumps([
            {"Put": {"TableName": "tx-log", "Item": {"id": s("cli")}}}]))
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.sl.aws_cli("dynamodb", "transact-get-items", "--transact-items", json.dumps([
            {"Get": {"TableName": "tx-log", "Key": {"id": s("cli")}}}]))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["Responses"][0]["Item"]["id"], s("cli"))

    def error(self, call, **kwargs):
        with self.assertRaises(self.ddb.exceptions.ClientError) as ctx:
            call(**kwargs)
        return ctx.exception.response["Error"]


if __name__ == "__main__":
    unittest.main()
