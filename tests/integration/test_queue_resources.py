"""AWS::SQS::Queue resources: created at start-up, and Ref / Fn::GetAtt in environments."""
import json
import os
import tempfile
import unittest

from harness import Serverlite, ServerTestCase, app_path


class QueueResources(ServerTestCase):
    APP = "queues"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sqs = cls.sl.boto3_client("sqs")

    def test_queues_exist_with_their_properties(self):
        url = self.sqs.get_queue_url(QueueName="queues-jobs")["QueueUrl"]
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attrs["VisibilityTimeout"], "5")
        redrive = json.loads(attrs["RedrivePolicy"])
        self.assertEqual(redrive["deadLetterTargetArn"],
                         "arn:aws:sqs:us-east-1:000000000000:queues-jobs-dead")
        self.assertEqual(int(redrive["maxReceiveCount"]), 3)
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"team": "core"})
        # An unnamed FIFO queue gets CloudFormation's stack-prefixed name and the .fifo suffix.
        fifo = self.sqs.get_queue_url(QueueName="queues-dev-Events.fifo")["QueueUrl"]
        attrs = self.sqs.get_queue_attributes(QueueUrl=fifo, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attrs["FifoQueue"], "true")
        self.assertEqual(attrs["ContentBasedDeduplication"], "true")

    def test_ref_and_getatt_in_the_environment_reach_the_queue(self):
        res = self.client.invoke(FunctionName="queues-dev-enqueue",
                                 Payload=json.dumps({"body": "from a handler"}).encode())
        out = json.loads(res["Payload"].read())
        self.assertNotIn("FunctionError", res, out)
        self.assertEqual(out["env"]["JOBS_URL"], self.sl.aws_url + "/000000000000/queues-jobs")
        self.assertEqual(out["env"]["JOBS_ARN"], "arn:aws:sqs:us-east-1:000000000000:queues-jobs")
        self.assertEqual(out["env"]["EVENTS_NAME"], "queues-dev-Events.fifo")
        url = self.sqs.get_queue_url(QueueName="queues-jobs")["QueueUrl"]
        got = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)["Messages"]
        self.assertEqual(got[0]["MessageId"], out["messageId"])
        self.assertEqual(got[0]["Body"], "from a handler")


class QueueResourcesAcrossRestarts(unittest.TestCase):
    def test_a_kept_state_is_brought_to_the_declared_attributes(self):
        with tempfile.TemporaryDirectory() as tmp:
            state = os.path.join(tmp, "state")
            with Serverlite(app_path("queues"), "--state", state) as sl:
                sqs = sl.boto3_client("sqs")
                url = sqs.get_queue_url(QueueName="queues-jobs")["QueueUrl"]
                sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "60"})
                sqs.send_message(QueueUrl=url, MessageBody="kept")
            with Serverlite(app_path("queues"), "--state", state) as sl:
                sqs = sl.boto3_client("sqs")
                url = sqs.get_queue_url(QueueName="queues-jobs")["QueueUrl"]
                attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
                self.assertEqual(attrs["Attributes"]["VisibilityTimeout"], "5")
                got = sqs.receive_message(QueueUrl=url)["Messages"]
                self.assertEqual(got[0]["Body"], "kept")


if __name__ == "__main__":
    unittest.main()
