"""Time to live through boto3 and the AWS CLI: UpdateTimeToLive / DescribeTimeToLive, the sweep
that deletes expired items (and only those DynamoDB would delete), and the REMOVE records it
leaves in the table's stream, by the service."""
import json
import time
import unittest

from harness import ServerTestCase

SWEEP_WAIT = 10  # seconds; the sweep runs every second


class TableTimeToLive(ServerTestCase):
    APP = "tables"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.sl.boto3_client("dynamodb")

    def table(self, name, stream=False):
        kwargs = {}
        if stream:
            kwargs["StreamSpecification"] = {"StreamEnabled": True,
                                             "StreamViewType": "NEW_AND_OLD_IMAGES"}
        self.ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], **kwargs)

    def put(self, table, pk, expires):
        item = {"pk": {"S": pk}}
        if expires is not None:
            item["ttl"] = expires if isinstance(expires, dict) else {"N": str(expires)}
        self.ddb.put_item(TableName=table, Item=item)

    def keys(self, table):
        return sorted(i["pk"]["S"] for i in self.ddb.scan(TableName=table)["Items"])

    def wait_until_gone(self, table, pk):
        deadline = time.monotonic() + SWEEP_WAIT
        while time.monotonic() < deadline:
            if "Item" not in self.ddb.get_item(TableName=table, Key={"pk": {"S": pk}}):
                return
            time.sleep(0.1)
        self.fail(f"{pk} was not deleted")

    def error(self, call, **kwargs):
        with self.assertRaises(self.ddb.exceptions.ClientError) as ctx:
            call(**kwargs)
        return ctx.exception.response["Error"]

    def test_enable_describe_disable(self):
        self.table("ttl-spec")
        self.assertEqual(self.ddb.describe_time_to_live(TableName="ttl-spec")[
            "TimeToLiveDescription"], {"TimeToLiveStatus": "DISABLED"})
        out = self.ddb.update_time_to_live(TableName="ttl-spec", TimeToLiveSpecification={
            "Enabled": True, "AttributeName": "ttl"})
        self.assertEqual(out["TimeToLiveSpecification"], {"Enabled": True, "AttributeName": "ttl"})
        self.assertEqual(self.ddb.describe_time_to_live(TableName="ttl-spec")[
            "TimeToLiveDescription"], {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"})
        err = self.error(self.ddb.update_time_to_live, TableName="ttl-spec",
                         TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
        self.assertEqual(err["Message"], "TimeToLive is already enabled")
        err = self.error(self.ddb.update_time_to_live, TableName="ttl-spec",
                         TimeToLiveSpecification={"Enabled": True, "AttributeName": "other"})
        self.assertEqual(err["Message"], "TimeToLive is active on a different AttributeName: "
                                         "current AttributeName is ttl")
        self.ddb.update_time_to_live(TableName="ttl-spec", TimeToLiveSpecification={
            "Enabled": False, "AttributeName": "ttl"})
        err = self.error(self.ddb.update_time_to_live, TableName="ttl-spec",
                         TimeToLiveSpecification={"Enabled": False, "AttributeName": "ttl"})
        self.assertEqual(err["Message"], "TimeToLive is already disabled")
        err = self.error(self.ddb.describe_time_to_live, TableName="no-such-table")
        self.assertEqual(err["Code"], "ResourceNotFoundException")

    def test_the_sweep_deletes_what_dynamodb_would(self):
        self.table("ttl-sweep", stream=True)
        now = int(time.time())
        self.put("ttl-sweep", "expired-before", now - 60)     # there before TTL is turned on
        self.ddb.update_time_to_live(TableName="ttl-sweep", TimeToLiveSpecification={
            "Enabled": True, "AttributeName": "ttl"})
        self.put("ttl-sweep", "expired", now - 1)
        self.put("ttl-sweep", "fraction", {"N": f"{now - 2}.75"})
        self.put("ttl-sweep", "future", now + 3600)
        self.put("ttl-sweep", "no-ttl", None)
        self.put("ttl-sweep", "text", {"S": str(now - 10)})        # not a number: ignored
        self.put("ttl-sweep", "ancient", now - 6 * 365 * 24 * 3600)  # over five years: ignored
        self.put("ttl-sweep", "millis", (now - 10) * 1000)         # milliseconds: far future
        self.put("ttl-sweep", "moved", now + 3600)
        self.ddb.update_item(TableName="ttl-sweep", Key={"pk": {"S": "moved"}},
                             UpdateExpression="SET #t = :t", ExpressionAttributeNames={"#t": "ttl"},
                             ExpressionAttributeValues={":t": {"N": str(now - 1)}})
        for pk in ("expired-before", "expired", "fraction", "moved"):
            self.wait_until_gone("ttl-sweep", pk)
        time.sleep(1.5)  # another sweep or two: nothing else goes
        self.assertEqual(self.keys("ttl-sweep"), ["ancient", "future", "millis", "no-ttl", "text"])
        # The stream shows each deletion as a REMOVE by the service.
        streams = self.sl.boto3_client("dynamodbstreams")
        arn = self.ddb.describe_table(TableName="ttl-sweep")["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        removes = [r for r in streams.get_records(ShardIterator=it)["Records"]
                   if r["eventName"] == "REMOVE"]
        self.assertEqual(sorted(r["dynamodb"]["Keys"]["pk"]["S"] for r in removes),
                         ["expired", "expired-before", "fraction", "moved"])
        for r in removes:
            self.assertEqual(r["userIdentity"], {"PrincipalId": "dynamodb.amazonaws.com",
                                                 "Type": "Service"})
            self.assertIn("OldImage", r["dynamodb"])

    def test_disabled_ttl_deletes_nothing(self):
        self.table("ttl-off")
        self.ddb.update_time_to_live(TableName="ttl-off", TimeToLiveSpecification={
            "Enabled": True, "AttributeName": "ttl"})
        self.ddb.update_time_to_live(TableName="ttl-off", TimeToLiveSpecification={
            "Enabled": False, "AttributeName": "ttl"})
        self.put("ttl-off", "kept", int(time.time()) - 5)
        time.sleep(2.5)
        self.assertEqual(self.keys("ttl-off"), ["kept"])

    def test_cli(self):
        self.table("ttl-cli")
        r = self.sl.aws_cli("dynamodb", "update-time-to-live", "--table-name", "ttl-cli",
                            "--time-to-live-specification", "Enabled=true,AttributeName=exp")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.sl.aws_cli("dynamodb", "describe-time-to-live", "--table-name", "ttl-cli")
        self.assertEqual(json.loads(r.stdout)["TimeToLiveDescription"]["AttributeName"], "exp")


if __name__ == "__main__":
    unittest.main()
