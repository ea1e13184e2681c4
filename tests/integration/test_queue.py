"""The queue (SQS) on the AWS endpoint, through boto3 and the AWS CLI (query protocol, which
Debian's botocore speaks) and raw AWS JSON 1.0 requests (what current SDKs send)."""
import json
import threading
import time
import unittest
import urllib.request

from harness import ServerTestCase, signed


class QueueWithBoto3(ServerTestCase):
    APP = "demo"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sqs = cls.sl.boto3_client("sqs")

    def url(self, name, **attrs):
        return self.sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]

    def test_send_receive_delete_with_attributes(self):
        url = self.url("basic")
        self.assertTrue(url.endswith("/000000000000/basic"))
        # botocore checks MD5OfMessageBody and MD5OfMessageAttributes itself.
        sent = self.sqs.send_message(QueueUrl=url, MessageBody="héllo", MessageAttributes={
            "s": {"DataType": "String", "StringValue": "v"},
            "n": {"DataType": "Number.int", "StringValue": "42"},
            "b": {"DataType": "Binary", "BinaryValue": b"\x00\xff"}})
        got = self.sqs.receive_message(QueueUrl=url, AttributeNames=["All"],
                                       MessageAttributeNames=["All"])["Messages"]
        self.assertEqual(len(got), 1)
        m = got[0]
        self.assertEqual(m["MessageId"], sent["MessageId"])
        self.assertEqual(m["Body"], "héllo")
        self.assertEqual(m["MessageAttributes"]["b"]["BinaryValue"], b"\x00\xff")
        self.assertEqual(m["MessageAttributes"]["n"]["StringValue"], "42")
        self.assertEqual(m["Attributes"]["ApproximateReceiveCount"], "1")
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url))

    def test_permissions_through_the_query_protocol(self):
        url = self.url("perm-query")
        self.sqs.add_permission(QueueUrl=url, Label="q1", AWSAccountIds=["111122223333"],
                                Actions=["GetQueueAttributes"])
        policy = json.loads(self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
        self.assertEqual([s["Sid"] for s in policy["Statement"]], ["q1"])
        self.assertEqual(policy["Statement"][0]["Action"], "SQS:GetQueueAttributes")
        self.sqs.remove_permission(QueueUrl=url, Label="q1")
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertNotIn("Policy", attrs)

    def test_visibility_timeout_and_receipt_handles(self):
        url = self.url("vis", VisibilityTimeout="1")
        self.sqs.send_message(QueueUrl=url, MessageBody="x")
        first = self.sqs.receive_message(QueueUrl=url)["Messages"][0]
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url))
        time.sleep(1.2)
        second = self.sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])
        second = second["Messages"][0]
        self.assertNotEqual(first["ReceiptHandle"], second["ReceiptHandle"])
        self.assertEqual(second["Attributes"]["ApproximateReceiveCount"], "2")
        with self.assertRaises(self.sqs.exceptions.ClientError) as e:
            self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"],
                                               VisibilityTimeout=10)
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidParameterValue")

    def test_batches(self):
        url = self.url("batch")
        res = self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": f"m{i}"} for i in range(10)])
        self.assertEqual(len(res["Successful"]), 10)
        msgs = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        res = self.sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)])
        self.assertEqual(len(res["Successful"]), len(msgs))
        with self.assertRaises(self.sqs.exceptions.ClientError) as e:
            self.sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": "a", "MessageBody": "1"}, {"Id": "a", "MessageBody": "2"}])
        self.assertEqual(e.exception.response["Error"]["Code"],
                         "AWS.SimpleQueueService.BatchEntryIdsNotDistinct")

    def test_fifo_order_and_deduplication(self):
        url = self.url("order.fifo", FifoQueue="true", ContentBasedDeduplication="true")
        for body in ("a", "b", "a"):
            self.sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g")
        got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                       AttributeNames=["SequenceNumber"])["Messages"]
        self.assertEqual([m["Body"] for m in got], ["a", "b"])  # the second "a" was a duplicate
        self.assertLess(int(got[0]["Attributes"]["SequenceNumber"]),
                        int(got[1]["Attributes"]["SequenceNumber"]))

    def test_redrive_to_dead_letter_queue(self):
        dlq = self.url("dead")
        arn = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])
        arn = arn["Attributes"]["QueueArn"]
        src = self.url("src", VisibilityTimeout="0", RedrivePolicy=json.dumps(
            {"deadLetterTargetArn": arn, "maxReceiveCount": 2}))
        self.sqs.send_message(QueueUrl=src, MessageBody="poison")
        for _ in range(2):
            self.assertIn("Messages", self.sqs.receive_message(QueueUrl=src))
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=src))
        self.assertEqual(self.sqs.receive_message(QueueUrl=dlq)["Messages"][0]["Body"], "poison")
        self.assertEqual(self.sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"], [src])

    def test_long_polling_returns_when_a_message_arrives(self):
        url = self.url("wait")
        threading.Timer(0.5, lambda: self.sqs.send_message(QueueUrl=url, MessageBody="late")).start()
        t0 = time.monotonic()
        got = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
        self.assertEqual(got["Messages"][0]["Body"], "late")
        self.assertLess(time.monotonic() - t0, 5)

    def test_queue_management(self):
        url = self.url("managed")
        self.assertEqual(self.url("managed"), url)  # idempotent with the same attributes
        with self.assertRaises(self.sqs.exceptions.ClientError) as e:
            self.url("managed", VisibilityTimeout="5")
        self.assertEqual(e.exception.response["Error"]["Code"], "QueueAlreadyExists")
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "3"})
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attrs["DelaySeconds"], "3")
        self.sqs.tag_queue(QueueUrl=url, Tags={"team": "a", "env": "dev"})
        self.sqs.untag_queue(QueueUrl=url, TagKeys=["env"])
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"team": "a"})
        self.assertIn(url, self.sqs.list_queues(QueueNamePrefix="manag")["QueueUrls"])
        self.sqs.send_message(QueueUrl=url, MessageBody="x")
        self.sqs.purge_queue(QueueUrl=url)
        self.sqs.delete_queue(QueueUrl=url)
        with self.assertRaises(self.sqs.exceptions.QueueDoesNotExist):
            self.sqs.get_queue_url(QueueName="managed")


class QueueSemantics(ServerTestCase):
    APP = "demo"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sqs = cls.sl.boto3_client("sqs")

    def test_change_message_visibility_batch(self):
        url = self.sqs.create_queue(QueueName="cmvb")["QueueUrl"]
        self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "MessageBody": "1"}, {"Id": "b", "MessageBody": "2"}])
        msgs = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        res = self.sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
            for i, m in enumerate(msgs)] + [
            {"Id": "bad", "ReceiptHandle": "garbage", "VisibilityTimeout": 0}])
        self.assertEqual(len(res["Successful"]), len(msgs))
        self.assertEqual([f["Id"] for f in res["Failed"]], ["bad"])
        self.assertEqual(res["Failed"][0]["Code"], "ReceiptHandleIsInvalid")
        again = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual(sorted(m["Body"] for m in again), sorted(m["Body"] for m in msgs))

    def test_list_queues_pages(self):
        for i in range(5):
            self.sqs.create_queue(QueueName=f"page-{i}")
        urls, token = [], None
        while True:
            kw = {"QueueNamePrefix": "page-", "MaxResults": 2}
            if token:
                kw["NextToken"] = token
            res = self.sqs.list_queues(**kw)
            urls += res.get("QueueUrls", [])
            token = res.get("NextToken")
            if not token:
                break
        self.assertEqual([u.rsplit("/", 1)[1] for u in urls], [f"page-{i}" for i in range(5)])

    def test_message_and_queue_delays(self):
        url = self.sqs.create_queue(QueueName="delays", Attributes={"DelaySeconds": "1"})["QueueUrl"]
        self.sqs.send_message(QueueUrl=url, MessageBody="queue-delay")
        self.sqs.send_message(QueueUrl=url, MessageBody="no-delay", DelaySeconds=0)
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessagesDelayed", "ApproximateNumberOfMessages"])["Attributes"]
        self.assertEqual(attrs, {"ApproximateNumberOfMessagesDelayed": "1",
                                 "ApproximateNumberOfMessages": "1"})
        first = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual([m["Body"] for m in first], ["no-delay"])
        later = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=3)["Messages"]
        self.assertEqual([m["Body"] for m in later], ["queue-delay"])

    def test_size_limit_is_one_mebibyte(self):
        # SQS raised its limit from 256 KiB to 1 MiB (1,048,576 bytes) in 2025: the default and
        # the largest MaximumMessageSize, and the most one SendMessageBatch carries.
        url = self.sqs.create_queue(QueueName="big")["QueueUrl"]
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["MaximumMessageSize"])
        self.assertEqual(attrs["Attributes"]["MaximumMessageSize"], "1048576")
        self.sqs.send_message(QueueUrl=url, MessageBody="x" * 1048576)
        got = self.sqs.receive_message(QueueUrl=url)["Messages"][0]
        self.assertEqual(len(got["Body"]), 1048576)
        with self.assertRaises(self.sqs.exceptions.ClientError) as e:
            self.sqs.send_message(QueueUrl=url, MessageBody="x" * 1048577)
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidParameterValue")
        self.assertIn("Message must be shorter than 1048576 bytes",
                      e.exception.response["Error"]["Message"])
        with self.assertRaises(self.sqs.exceptions.ClientError) as e:
            self.sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": "a", "MessageBody": "a" * 600000}, {"Id": "b", "MessageBody": "b" * 600000}])
        self.assertEqual(e.exception.response["Error"]["Code"],
                         "AWS.SimpleQueueService.BatchRequestTooLong")
        with self.assertRaises(self.sqs.exceptions.ClientError) as e:
            self.sqs.create_queue(QueueName="bigger", Attributes={"MaximumMessageSize": "1048577"})
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidAttributeValue")
        small = self.sqs.create_queue(QueueName="smaller",
                                      Attributes={"MaximumMessageSize": "300000"})["QueueUrl"]
        with self.assertRaises(self.sqs.exceptions.ClientError) as e:
            self.sqs.send_message(QueueUrl=small, MessageBody="x" * 300001)
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidParameterValue")

    def test_receive_request_attempt_id_repeats_a_fifo_receive(self):
        url = self.sqs.create_queue(QueueName="attempts.fifo", Attributes={
            "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
        for body in ("a", "b"):
            self.sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g")
        kw = dict(QueueUrl=url, MaxNumberOfMessages=10, ReceiveRequestAttemptId="retry-1",
                  AttributeNames=["ApproximateReceiveCount"])
        first = self.sqs.receive_message(**kw)["Messages"]
        again = self.sqs.receive_message(**kw)["Messages"]
        self.assertEqual([m["ReceiptHandle"] for m in again], [m["ReceiptHandle"] for m in first])
        self.assertEqual([m["Attributes"]["ApproximateReceiveCount"] for m in again], ["1", "1"])
        self.assertNotIn("Messages", self.sqs.receive_message(
            QueueUrl=url, ReceiveRequestAttemptId="retry-2"))
        with self.assertRaises(self.sqs.exceptions.ClientError) as e:
            self.sqs.receive_message(QueueUrl=url, ReceiveRequestAttemptId="x" * 129)
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidParameterValue")

    def test_a_query_request_may_name_the_queue_by_its_path(self):
        url = self.sqs.create_queue(QueueName="bypath")["QueueUrl"]
        form = "Action=SendMessage&MessageBody=via+path&Version=2012-11-05"
        status, _, body = self.sl.request("POST", url, form,
                                          {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 200, body)
        self.assertIn(b"<SendMessageResponse", body)
        got = self.sqs.receive_message(QueueUrl=url)["Messages"][0]
        self.assertEqual(got["Body"], "via path")


class QueueWithCliAndJson(ServerTestCase):
    APP = "demo"

    def test_cli_round_trip(self):
        r = self.sl.aws_cli("sqs", "create-queue", "--queue-name", "cli")
        self.assertEqual(r.returncode, 0, r.stderr)
        url = json.loads(r.stdout)["QueueUrl"]
        r = self.sl.aws_cli("sqs", "send-message", "--queue-url", url, "--message-body", "hi")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.sl.aws_cli("sqs", "receive-message", "--queue-url", url)
        self.assertEqual(json.loads(r.stdout)["Messages"][0]["Body"], "hi")
        r = self.sl.aws_cli("sqs", "get-queue-url", "--queue-name", "absent")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("AWS.SimpleQueueService.NonExistentQueue", r.stderr)

    def json_call(self, action, body):
        req = urllib.request.Request(self.sl.aws_url + "/", data=json.dumps(body).encode(),
                                     method="POST", headers=signed({
                                         "X-Amz-Target": f"AmazonSQS.{action}",
                                         "Content-Type": "application/x-amz-json-1.0"}))
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                return res.status, dict(res.headers), json.loads(res.read())
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), json.loads(e.read())

    def test_cli_receive_request_attempt_id(self):
        r = self.sl.aws_cli("sqs", "create-queue", "--queue-name", "cli.fifo", "--attributes",
                            "FifoQueue=true,ContentBasedDeduplication=true")
        self.assertEqual(r.returncode, 0, r.stderr)
        url = json.loads(r.stdout)["QueueUrl"]
        r = self.sl.aws_cli("sqs", "send-message", "--queue-url", url, "--message-body", "m",
                            "--message-group-id", "g")
        self.assertEqual(r.returncode, 0, r.stderr)
        answers = []
        for _ in range(2):
            r = self.sl.aws_cli("sqs", "receive-message", "--queue-url", url,
                                "--receive-request-attempt-id", "cli-attempt")
            self.assertEqual(r.returncode, 0, r.stderr)
            answers.append(json.loads(r.stdout)["Messages"][0]["ReceiptHandle"])
        self.assertEqual(answers[0], answers[1])

    def test_json_protocol_one_mebibyte(self):
        status, _, body = self.json_call("CreateQueue", {"QueueName": "js-big"})
        url = body["QueueUrl"]
        status, _, body = self.json_call("SendMessage", {"QueueUrl": url,
                                                         "MessageBody": "y" * 1048576})
        self.assertEqual(status, 200, body)
        status, headers, body = self.json_call("SendMessage", {"QueueUrl": url,
                                                               "MessageBody": "y" * 1048577})
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "com.amazonaws.sqs#InvalidParameterValue")
        self.assertEqual(headers["x-amzn-query-error"], "InvalidParameterValue;Sender")

    def test_add_and_remove_permission_write_the_policy(self):
        status, _, body = self.json_call("CreateQueue", {"QueueName": "perm"})
        url = body["QueueUrl"]
        status, _, body = self.json_call("AddPermission", {
            "QueueUrl": url, "Label": "share", "AWSAccountIds": ["111122223333"],
            "Actions": ["SendMessage", "ReceiveMessage"]})
        self.assertEqual((status, body), (200, {}))
        status, _, body = self.json_call("AddPermission", {
            "QueueUrl": url, "Label": "all", "AWSAccountIds": ["111122223333", "444455556666"],
            "Actions": ["*"]})
        self.assertEqual(status, 200, body)
        _, _, body = self.json_call("GetQueueAttributes", {"QueueUrl": url,
                                                           "AttributeNames": ["Policy"]})
        policy = json.loads(body["Attributes"]["Policy"])
        arn = "arn:aws:sqs:us-east-1:000000000000:perm"
        self.assertEqual(policy["Version"], "2012-10-17")
        self.assertEqual(policy["Id"], arn + "/SQSDefaultPolicy")
        self.assertEqual(policy["Statement"], [
            {"Sid": "share", "Effect": "Allow",
             "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
             "Action": ["SQS:SendMessage", "SQS:ReceiveMessage"], "Resource": arn},
            {"Sid": "all", "Effect": "Allow",
             "Principal": {"AWS": ["arn:aws:iam::111122223333:root",
                                   "arn:aws:iam::444455556666:root"]},
             "Action": "SQS:*", "Resource": arn}])
        # The checks, in SQS's order, each with its message.
        cases = [
            ({"Label": "share", "AWSAccountIds": ["111122223333"], "Actions": ["SendMessage"]},
             "InvalidParameterValue",
             "Value share for parameter Label is invalid. Reason: Already exists."),
            ({"Label": "a b", "AWSAccountIds": ["111122223333"], "Actions": ["SendMessage"]},
             "InvalidParameterValue", "Value a b for parameter Label is invalid. Reason: Can "
             "only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"),
            ({"Label": "x", "Actions": ["SendMessage"]}, "MissingParameter",
             "The request must contain the parameter AWSAccountIds."),
            ({"Label": "x", "AWSAccountIds": ["111122223333"]}, "MissingParameter",
             "The request must contain the parameter Actions."),
            ({"Label": "x", "AWSAccountIds": ["111122223333"], "Actions": ["CreateQueue"]},
             "InvalidParameterValue", "Value CreateQueue for parameter ActionName is invalid. "
             "Reason: Please refer to the appropriate WSDL for a list of valid actions."),
            ({"Label": "x", "AWSAccountIds": ["111122223333"],
              "Actions": ["SendMessage"] * 8}, "OverLimit",
             "8 Actions were found, maximum allowed is 7."),
        ]
        for request, code, message in cases:
            status, headers, body = self.json_call("AddPermission", {"QueueUrl": url, **request})
            self.assertEqual(status, 400, request)
            self.assertEqual(headers["x-amzn-query-error"].split(";")[0], code, request)
            self.assertEqual(body["message"], message)
        status, _, body = self.json_call("RemovePermission", {"QueueUrl": url, "Label": "nope"})
        self.assertEqual(status, 400)
        self.assertEqual(body["message"], "Value nope for parameter Label is invalid. Reason: "
                         "can't find label on existing policy.")
        for label in ("share", "all"):
            status, _, body = self.json_call("RemovePermission", {"QueueUrl": url, "Label": label})
            self.assertEqual(status, 200, body)
        # The last statement gone, the queue has no policy.
        _, _, body = self.json_call("GetQueueAttributes", {"QueueUrl": url,
                                                           "AttributeNames": ["All"]})
        self.assertNotIn("Policy", body["Attributes"])

    def test_message_move_task_redrives_a_dead_letter_queue(self):
        _, _, body = self.json_call("CreateQueue", {"QueueName": "mv-dlq"})
        dlq = body["QueueUrl"]
        dlq_arn = "arn:aws:sqs:us-east-1:000000000000:mv-dlq"
        _, _, body = self.json_call("CreateQueue", {"QueueName": "mv-src", "Attributes": {
            "VisibilityTimeout": "0",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})}})
        src = body["QueueUrl"]
        _, _, body = self.json_call("CreateQueue", {"QueueName": "mv-other"})
        other = body["QueueUrl"]
        for i in range(5):
            self.json_call("SendMessage", {"QueueUrl": src, "MessageBody": f"m{i}"})
        # Received once each (maxReceiveCount 1): the next receive moves them to the DLQ.
        self.json_call("ReceiveMessage", {"QueueUrl": src, "MaxNumberOfMessages": 10})
        self.json_call("ReceiveMessage", {"QueueUrl": src, "MaxNumberOfMessages": 10})
        _, _, body = self.json_call("GetQueueAttributes", {
            "QueueUrl": dlq, "AttributeNames": ["ApproximateNumberOfMessages"]})
        self.assertEqual(body["Attributes"]["ApproximateNumberOfMessages"], "5")

        # Only a dead-letter queue is a source; the rate is 1 to 500.
        status, headers, body = self.json_call("StartMessageMoveTask", {
            "SourceArn": "arn:aws:sqs:us-east-1:000000000000:mv-other"})
        self.assertEqual(status, 400)
        self.assertEqual(body["message"], "Source queue must be configured as a Dead Letter Queue.")
        status, _, body = self.json_call("StartMessageMoveTask", {
            "SourceArn": "arn:aws:sqs:us-east-1:000000000000:absent"})
        self.assertEqual((status, body["__type"]),
                         (400, "com.amazonaws.sqs#ResourceNotFoundException"))
        status, _, body = self.json_call("StartMessageMoveTask", {
            "SourceArn": dlq_arn, "MaxNumberOfMessagesPerSecond": 501})
        self.assertEqual(status, 400)

        status, _, body = self.json_call("StartMessageMoveTask", {"SourceArn": dlq_arn})
        self.assertEqual(status, 200, body)
        handle = body["TaskHandle"]
        deadline = time.time() + 10
        while True:
            _, _, body = self.json_call("ListMessageMoveTasks", {"SourceArn": dlq_arn})
            task = body["Results"][0]
            if task["Status"] != "RUNNING" or time.time() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(task["Status"], "COMPLETED")
        self.assertEqual(task["ApproximateNumberOfMessagesMoved"], 5)
        self.assertEqual(task["ApproximateNumberOfMessagesToMove"], 5)
        self.assertEqual(task["SourceArn"], dlq_arn)
        self.assertNotIn("TaskHandle", task)  # only a running task has one
        # Back in their source queue, received 0 times; the DLQ is empty.
        _, _, body = self.json_call("ReceiveMessage", {"QueueUrl": src, "MaxNumberOfMessages": 10,
                                                       "AttributeNames": ["All"]})
        self.assertEqual(sorted(m["Body"] for m in body["Messages"]),
                         ["m0", "m1", "m2", "m3", "m4"])
        self.assertTrue(all(m["Attributes"]["ApproximateReceiveCount"] == "1"
                            for m in body["Messages"]))
        _, _, body = self.json_call("GetQueueAttributes", {
            "QueueUrl": dlq, "AttributeNames": ["ApproximateNumberOfMessages"]})
        self.assertEqual(body["Attributes"]["ApproximateNumberOfMessages"], "0")
        # A finished task cannot be cancelled.
        status, _, body = self.json_call("CancelMessageMoveTask", {"TaskHandle": handle})
        self.assertEqual(status, 400)

        # To an explicit destination, at 1 message a second: cancelled while it runs.
        for i in range(3):
            self.json_call("SendMessage", {"QueueUrl": dlq, "MessageBody": f"d{i}"})
        status, _, body = self.json_call("StartMessageMoveTask", {
            "SourceArn": dlq_arn, "DestinationArn": "arn:aws:sqs:us-east-1:000000000000:mv-other",
            "MaxNumberOfMessagesPerSecond": 1})
        self.assertEqual(status, 200, body)
        handle = body["TaskHandle"]
        status, _, body = self.json_call("StartMessageMoveTask", {"SourceArn": dlq_arn})
        self.assertEqual(status, 400)
        self.assertIn("Only one active task is allowed", body["message"])
        time.sleep(1.3)
        status, _, body = self.json_call("CancelMessageMoveTask", {"TaskHandle": handle})
        self.assertEqual(status, 200, body)
        moved = body["ApproximateNumberOfMessagesMoved"]
        self.assertGreaterEqual(moved, 1)
        self.assertLess(moved, 3)
        _, _, body = self.json_call("ListMessageMoveTasks", {"SourceArn": dlq_arn,
                                                             "MaxResults": 10})
        self.assertEqual([t["Status"] for t in body["Results"]], ["CANCELLED", "COMPLETED"])
        self.assertEqual(body["Results"][0]["DestinationArn"],
                         "arn:aws:sqs:us-east-1:000000000000:mv-other")
        _, _, body = self.json_call("GetQueueAttributes", {
            "QueueUrl": other, "AttributeNames": ["ApproximateNumberOfMessages"]})
        self.assertEqual(body["Attributes"]["ApproximateNumberOfMessages"], str(moved))

    def test_json_protocol_and_its_errors(self):
        status, _, body = self.json_call("CreateQueue", {"QueueName": "js"})
        self.assertEqual(status, 200)
        url = body["QueueUrl"]
        status, _, body = self.json_call("SendMessage", {"QueueUrl": url, "MessageBody": "x"})
        self.assertEqual(body["MD5OfMessageBody"], "9dd4e461268c8034f5c8564e155c67a6")
        status, headers, body = self.json_call("GetQueueUrl", {"QueueName": "nope"})
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "com.amazonaws.sqs#QueueDoesNotExist")
        self.assertEqual(headers["x-amzn-query-error"],
                         "AWS.SimpleQueueService.NonExistentQueue;Sender")
        status, _, body = self.json_call("SendMessage", {"QueueUrl": url})
        self.assertEqual(status, 400)
        self.assertIn("MessageBody", body["message"])


class QueueDeletedRecently(ServerTestCase):
    """SQS keeps a deleted queue's name for 60 seconds; the virtual clock moves past them."""
    APP = "demo"
    ARGS = ("--clock", "virtual")

    def advance(self, seconds):
        status, _, body = self.sl.request("POST", self.sl.aws_url + "/_serverlite/clock",
                                          json.dumps({"advance": f"PT{seconds}S"}))
        self.assertEqual(status, 200, body)

    def test_a_deleted_queue_name_is_reusable_after_60_seconds(self):
        sqs = self.sl.boto3_client("sqs")
        url = sqs.create_queue(QueueName="recent")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="x")
        sqs.delete_queue(QueueUrl=url)
        self.advance(59)
        with self.assertRaises(sqs.exceptions.ClientError) as e:  # the query protocol
            sqs.create_queue(QueueName="recent")
        self.assertEqual(e.exception.response["Error"]["Code"],
                         "AWS.SimpleQueueService.QueueDeletedRecently")
        self.assertIn("60 seconds", e.exception.response["Error"]["Message"])
        r = self.sl.aws_cli("sqs", "create-queue", "--queue-name", "recent")  # AWS JSON 1.0
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("QueueDeletedRecently", r.stderr)
        status, headers, body = self.sl.request(
            "POST", self.sl.aws_url + "/", json.dumps({"QueueName": "recent"}),
            {"X-Amz-Target": "AmazonSQS.CreateQueue",
             "Content-Type": "application/x-amz-json-1.0"})
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body)["__type"], "com.amazonaws.sqs#QueueDeletedRecently")
        self.assertEqual(headers["x-amzn-query-error"],
                         "AWS.SimpleQueueService.QueueDeletedRecently;Sender")
        with self.assertRaises(sqs.exceptions.QueueDoesNotExist):
            sqs.get_queue_url(QueueName="recent")
        self.advance(1)
        url = sqs.create_queue(QueueName="recent")["QueueUrl"]
        self.assertNotIn("Messages", sqs.receive_message(QueueUrl=url))


if __name__ == "__main__":
    unittest.main()
