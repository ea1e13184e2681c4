"""AWS::Kinesis::Stream resources: created at start-up from their Properties, Ref and Fn::GetAtt
in environments, and a kept state brought to the declared retention."""
import json
import os
import tempfile
import unittest

from harness import Serverlite, ServerTestCase, app_path

ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/"


class StreamResources(ServerTestCase):
    APP = "stream-resources"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kinesis = cls.sl.boto3_client("kinesis")

    def summary(self, name):
        return self.kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]

    def test_streams_exist_with_their_properties(self):
        clicks = self.summary("clicks")
        self.assertEqual(clicks["StreamStatus"], "ACTIVE")
        self.assertEqual(clicks["OpenShardCount"], 3)
        self.assertEqual(clicks["RetentionPeriodHours"], 48)
        self.assertEqual(clicks["StreamModeDetails"]["StreamMode"], "PROVISIONED")
        tags = self.kinesis.list_tags_for_stream(StreamName="clicks")["Tags"]
        self.assertEqual(tags, [{"Key": "team", "Value": "growth"}])

        audit = self.summary("streamres-dev-Audit")
        self.assertEqual(audit["StreamModeDetails"]["StreamMode"], "ON_DEMAND")
        self.assertEqual(audit["OpenShardCount"], 4)

        plain = self.summary("streamres-dev-Plain")
        self.assertEqual(plain["OpenShardCount"], 1)
        self.assertEqual(plain["RetentionPeriodHours"], 24)

    def test_ref_and_getatt_in_the_environment(self):
        res = self.client.invoke(FunctionName="streamres-dev-env")
        env = json.loads(res["Payload"].read())
        self.assertEqual(env, {"CLICKS_NAME": "clicks", "CLICKS_ARN": ARN + "clicks",
                               "AUDIT_NAME": "streamres-dev-Audit",
                               "AUDIT_ARN": ARN + "streamres-dev-Audit"})


class StreamResourcesAcrossRestarts(unittest.TestCase):
    def test_a_kept_stream_keeps_its_records_and_takes_the_declared_retention(self):
        with tempfile.TemporaryDirectory() as tmp:
            state = os.path.join(tmp, "state")
            with Serverlite(app_path("stream-resources"), "--state", state) as sl:
                kinesis = sl.boto3_client("kinesis")
                kinesis.increase_stream_retention_period(StreamName="clicks",
                                                         RetentionPeriodHours=72)
                put = kinesis.put_record(StreamName="clicks", PartitionKey="p", Data=b"kept")
            with Serverlite(app_path("stream-resources"), "--state", state) as sl:
                kinesis = sl.boto3_client("kinesis")
                summary = kinesis.describe_stream_summary(StreamName="clicks")
                self.assertEqual(summary["StreamDescriptionSummary"]["RetentionPeriodHours"], 48)
                it = kinesis.get_shard_iterator(
                    StreamName="clicks", ShardId=put["ShardId"],
                    ShardIteratorType="AT_SEQUENCE_NUMBER",
                    StartingSequenceNumber=put["SequenceNumber"])["ShardIterator"]
                records = kinesis.get_records(ShardIterator=it)["Records"]
                self.assertEqual([r["Data"] for r in records], [b"kept"])


if __name__ == "__main__":
    unittest.main()
