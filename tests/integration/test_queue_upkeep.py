"""SQS's figures and deletions on any queue size: GetQueueAttributes' ApproximateNumberOf*
counts are kept as messages come and go (sends, batches, delays, receives, deletes, visibility
changes, dead-letter moves) and match the messages there; PurgeQueue and DeleteQueue of a large
queue take effect at once, the queue goes on, and a crash in the middle leaves nothing behind."""
import json
import signal
import time
import unittest

from harness import RestartTestCase, ServerTestCase


def fill(sqs, url, n):
    for base in range(0, n, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": f"m{base + i}"} for i in range(min(10, n - base))])


def counts(sqs, url):
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return (int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"]),
            int(a["ApproximateNumberOfMessagesDelayed"]))


class QueueCounts(ServerTestCase):
    APP = "demo"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sqs = cls.sl.boto3_client("sqs")

    def test_counts_follow_every_kind_of_write(self):
        dlq = self.sqs.create_queue(QueueName="counted-dlq")["QueueUrl"]
        url = self.sqs.create_queue(QueueName="counted", Attributes={"RedrivePolicy": json.dumps({
            "deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:counted-dlq",
            "maxReceiveCount": 1})})["QueueUrl"]
        self.assertEqual(counts(self.sqs, url), (0, 0, 0))
        self.sqs.send_message(QueueUrl=url, MessageBody="one")
        self.sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=600)
        fill(self.sqs, url, 30)
        self.assertEqual(counts(self.sqs, url), (31, 0, 1))
        got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                       VisibilityTimeout=600)["Messages"]
        self.assertEqual(len(got), 10)
        self.assertEqual(counts(self.sqs, url), (21, 10, 1))
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
        self.sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "ReceiptHandle": got[1]["ReceiptHandle"]},
            {"Id": "b", "ReceiptHandle": got[2]["ReceiptHandle"]}])
        self.assertEqual(counts(self.sqs, url), (21, 7, 1))
        self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=got[3]["ReceiptHandle"],
                                           VisibilityTimeout=0)
        self.sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
            {"Id": "a", "ReceiptHandle": got[4]["ReceiptHandle"], "VisibilityTimeout": 0}])
        self.assertEqual(counts(self.sqs, url), (23, 5, 1))
        # The two made visible were received once: receiving moves them to the DLQ.
        while self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                       VisibilityTimeout=600).get("Messages"):
            pass
        self.assertEqual(counts(self.sqs, url), (0, 26, 1))
        self.assertEqual(counts(self.sqs, dlq), (2, 0, 0))
        self.sqs.purge_queue(QueueUrl=url)
        self.assertEqual(counts(self.sqs, url), (0, 0, 0))

    def test_large_purge_empties_at_once_and_the_queue_goes_on(self):
        url = self.sqs.create_queue(QueueName="purged")["QueueUrl"]
        fill(self.sqs, url, 3000)
        self.assertEqual(counts(self.sqs, url), (3000, 0, 0))
        self.sqs.purge_queue(QueueUrl=url)
        self.assertEqual(counts(self.sqs, url), (0, 0, 0))
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10))
        self.sqs.send_message(QueueUrl=url, MessageBody="after")
        self.assertEqual(counts(self.sqs, url), (1, 0, 0))
        got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual([m["Body"] for m in got], ["after"])


class LargeQueueDeletion(ServerTestCase):
    APP = "demo"
    ARGS = ("--clock", "virtual")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sqs = cls.sl.boto3_client("sqs")

    def advance(self, seconds):
        status, _, body = self.sl.request("POST", self.sl.aws_url + "/_serverlite/clock",
                                          json.dumps({"advance": f"PT{seconds}S"}))
        self.assertEqual(status, 200, body)

    def test_large_deleted_queue_is_gone_at_once(self):
        url = self.sqs.create_queue(QueueName="deleted")["QueueUrl"]
        fill(self.sqs, url, 20000)
        self.sqs.delete_queue(QueueUrl=url)
        # Its 20,000 messages go a slice of about 1 ms every 5 ms, and its name comes back
        # 60 s after the deletion, once they are gone: QueueDeletedRecently until then.
        with self.assertRaises(self.sqs.exceptions.ClientError) as ctx:
            self.sqs.create_queue(QueueName="deleted")
        self.assertEqual(ctx.exception.response["Error"]["Code"],
                         "AWS.SimpleQueueService.QueueDeletedRecently")
        with self.assertRaises(self.sqs.exceptions.QueueDoesNotExist):
            self.sqs.get_queue_url(QueueName="deleted")
        self.assertNotIn(url, self.sqs.list_queues().get("QueueUrls", []))
        # The slices run on the service clock: here virtual, so they run as it is moved. Past
        # SQS's own 60-second guard, the name is free once the messages are gone.
        self.advance(59)
        deadline = time.monotonic() + 60
        while True:
            self.advance(1)
            try:
                url = self.sqs.create_queue(QueueName="deleted")["QueueUrl"]
                break
            except self.sqs.exceptions.ClientError as e:
                self.assertEqual(e.response["Error"]["Code"],
                                 "AWS.SimpleQueueService.QueueDeletedRecently")
                self.assertLess(time.monotonic(), deadline)
        self.assertEqual(counts(self.sqs, url), (0, 0, 0))


class QueueCleanupSurvivesKill(RestartTestCase):
    SERVICE = "sqs"

    def test_purge_and_delete_killed_midway_are_finished_at_the_next_start(self):
        sl = self.start()
        sqs = self.client(sl)
        purged = sqs.create_queue(QueueName="purged")["QueueUrl"]
        deleted = sqs.create_queue(QueueName="deleted")["QueueUrl"]
        fill(sqs, purged, 8000)
        fill(sqs, deleted, 8000)
        sqs.purge_queue(QueueUrl=purged)
        sqs.send_message(QueueUrl=purged, MessageBody="kept")
        sqs.delete_queue(QueueUrl=deleted)
        sl.stop(signal.SIGKILL)
        sl = self.start()
        sqs = self.client(sl)
        self.assertEqual(counts(sqs, purged), (1, 0, 0))
        got = sqs.receive_message(QueueUrl=purged, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual([m["Body"] for m in got], ["kept"])
        with self.assertRaises(sqs.exceptions.QueueDoesNotExist):
            sqs.get_queue_url(QueueName="deleted")
        url = sqs.create_queue(QueueName="deleted")["QueueUrl"]
        self.assertEqual(counts(sqs, url), (0, 0, 0))


if __name__ == "__main__":
    unittest.main()
