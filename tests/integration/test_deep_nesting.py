"""Values nested far beyond any service's limit, in every DynamoDB operation that takes attribute
values and in Kinesis's JSON and CBOR bodies: each is answered with a 400 and serverlite keeps
serving. DynamoDB allows 32 levels; serverlite refuses a body nested more than 1,024 levels before
parsing it, and a CBOR body more than 64, so nothing walks a value deep enough to overflow its
stack. The bodies are built by hand: no SDK would send them."""
import json
import unittest

from harness import ServerTestCase

TABLE = "deep"
NESTED = "One or more parameter values were invalid: Nesting Levels have exceeded supported limits"
DEPTHS = (12_000, 100_000)


def deep_map(levels):
    """A DynamoDB attribute value of `levels` maps inside one another, as JSON text."""
    return '{"M":{"a":' * levels + '{"S":"x"}' + "}}" * levels


def deep_cbor_map(levels):
    """A CBOR map {"a": {"a": ... 0}} of `levels` maps."""
    return b"\xa1\x61a" * levels + b"\x00"


class DeepNesting(ServerTestCase):
    APP = "tables"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.sl.boto3_client("dynamodb")
        cls.ddb.create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        cls.kinesis = cls.sl.boto3_client("kinesis")
        cls.kinesis.create_stream(StreamName=TABLE, ShardCount=1)
        cls.kinesis.get_waiter("stream_exists").wait(
            StreamName=TABLE, WaiterConfig={"Delay": 0.1, "MaxAttempts": 50})

    def post(self, target, body, content_type):
        return self.sl.request("POST", self.sl.aws_url + "/", body, {
            "X-Amz-Target": target, "Content-Type": content_type}, timeout=60)

    def dynamodb(self, action, body):
        status, _, data = self.post("DynamoDB_20120810." + action, body.encode(),
                                    "application/x-amz-json-1.0")
        return status, json.loads(data)

    def assert_alive(self):
        self.assertIsNone(self.sl.proc.poll(), "serverlite exited:\n" + self.sl.stderr()[-2000:])
        self.assertIn(TABLE, self.ddb.list_tables()["TableNames"])

    def bodies(self, value):
        item = '{"pk":{"S":"a"},"deep":' + value + "}"
        return {
            "PutItem": '{"TableName":"deep","Item":' + item + "}",
            "BatchWriteItem": '{"RequestItems":{"deep":[{"PutRequest":{"Item":' + item + "}}]}}",
            "TransactWriteItems":
                '{"TransactItems":[{"Put":{"TableName":"deep","Item":' + item + "}}]}",
            "GetItem": '{"TableName":"deep","Key":{"pk":' + value + "}}",
            "Query": '{"TableName":"deep","KeyConditionExpression":"pk = :v",'
                     '"ExpressionAttributeValues":{":v":' + value + "}}",
            "ExecuteStatement":
                '{"Statement":"SELECT * FROM deep WHERE pk = ?","Parameters":[' + value + "]}",
        }

    def test_dynamodb_values_past_the_parse_limit(self):
        for levels in DEPTHS:
            for action, body in self.bodies(deep_map(levels)).items():
                with self.subTest(action=action, levels=levels):
                    status, answer = self.dynamodb(action, body)
                    self.assertEqual(status, 400)
                    self.assertEqual(answer["__type"],
                                     "com.amazon.coral.validate#ValidationException")
                    self.assertEqual(answer["message"], NESTED)
                    self.assert_alive()

    def test_dynamodb_values_past_32_levels_under_the_parse_limit(self):
        # 40 and 500 levels are parsed and refused by the attribute-value check, with the message
        # the deeper bodies get.
        for levels in (40, 500):
            for action in ("PutItem", "BatchWriteItem", "TransactWriteItems"):
                with self.subTest(action=action, levels=levels):
                    status, answer = self.dynamodb(action, self.bodies(deep_map(levels))[action])
                    self.assertEqual(status, 400)
                    self.assertIn("Nesting Levels have exceeded supported limits",
                                  answer["message"])
        self.assert_alive()

    def test_kinesis_json_and_cbor(self):
        for levels in DEPTHS:
            with self.subTest(protocol="json", levels=levels):
                deep = '{"a":' * levels + "0" + "}" * levels
                body = '{"StreamName":"deep","PartitionKey":"k","Data":"AA==","X":' + deep + "}"
                status, _, data = self.post("Kinesis_20131202.PutRecord", body.encode(),
                                            "application/x-amz-json-1.1")
                self.assertEqual(status, 400)
                # Kinesis answers a body it cannot read with the bare type, no message.
                self.assertEqual(json.loads(data)["__type"], "SerializationException")
                self.assert_alive()
            with self.subTest(protocol="cbor", levels=levels):
                body = (b"\xa4\x6aStreamName\x64deep\x6cPartitionKey\x61k\x64Data\x41\x00\x61X" +
                        deep_cbor_map(levels))
                status, _, _ = self.post("Kinesis_20131202.PutRecord", body,
                                         "application/x-amz-cbor-1.1")
                self.assertEqual(status, 400)
                self.assert_alive()
        # The stream still takes records.
        self.kinesis.put_record(StreamName=TABLE, PartitionKey="k", Data=b"ok")


if __name__ == "__main__":
    unittest.main()
