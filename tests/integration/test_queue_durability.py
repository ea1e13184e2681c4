"""The queue survives a crash: every message whose SendMessage (or SendMessageBatch entry) was
acknowledged is still there after serverlite is killed with SIGKILL mid-traffic and restarted on
the same --state directory, and a message deleted before the crash does not come back.

SQS promises that an acknowledged send is stored; serverlite keeps that promise with one SQLite
transaction per write (WAL, synchronous=NORMAL), which survives the process dying at any point
(not a power loss, which would need synchronous=FULL). Sends that got no answer may or may not
have been stored: the test accepts both.
"""
import signal
import threading
import time
import unittest

from harness import RestartTestCase

SENDERS = 4          # threads calling SendMessage
BATCH_SENDERS = 1    # threads calling SendMessageBatch with 10 entries
FLOOD_SECONDS = 2.0
DOOMED = 15          # messages deleted before the crash


class QueueSurvivesKill(RestartTestCase):
    SERVICE = "sqs"

    def test_acknowledged_messages_survive_sigkill_and_deleted_ones_stay_deleted(self):
        sl = self.start()
        sqs = self.client(sl)
        flood_url = sqs.create_queue(QueueName="flood")["QueueUrl"]
        gone_url = sqs.create_queue(QueueName="gone")["QueueUrl"]

        # Messages received and deleted before the crash: their deletes were acknowledged, so
        # none of them may be delivered again after the restart.
        doomed = {sqs.send_message(QueueUrl=gone_url, MessageBody=f"doomed-{i}")["MessageId"]
                  for i in range(DOOMED)}
        deleted = set()
        deadline = time.monotonic() + 30
        while deleted != doomed and time.monotonic() < deadline:
            got = sqs.receive_message(QueueUrl=gone_url, MaxNumberOfMessages=10)
            msgs = got.get("Messages", [])
            if not msgs:
                continue
            res = sqs.delete_message_batch(QueueUrl=gone_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)])
            self.assertEqual(res.get("Failed", []), [])
            deleted |= {m["MessageId"] for m in msgs}
        self.assertEqual(deleted, doomed)
        survivor = sqs.send_message(QueueUrl=gone_url, MessageBody="survivor")["MessageId"]

        # The flood: each thread sends as fast as it can and records what was acknowledged.
        lock = threading.Lock()
        acked = {}        # body -> MessageId, only for sends that returned success
        attempted = set()  # every body sent, answered or not
        in_flight = [0]
        stop = threading.Event()
        errors_before_kill = []
        killed = threading.Event()

        def track(bodies, delta):
            with lock:
                if delta > 0:
                    attempted.update(bodies)
                in_flight[0] += delta

        def sender(tid):
            client = self.client(sl)
            n = 0
            while not stop.is_set():
                body = f"t{tid}-{n}"
                n += 1
                track([body], 1)
                try:
                    mid = client.send_message(QueueUrl=flood_url, MessageBody=body)["MessageId"]
                except Exception as e:  # the connection dies with the server
                    if not killed.is_set():
                        errors_before_kill.append(repr(e))
                    return
                finally:
                    track([body], -1)
                with lock:
                    acked[body] = mid

        def batch_sender(tid):
            client = self.client(sl)
            n = 0
            while not stop.is_set():
                bodies = [f"b{tid}-{n}-{i}" for i in range(10)]
                n += 1
                track(bodies, 1)
                try:
                    res = client.send_message_batch(QueueUrl=flood_url, Entries=[
                        {"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies)])
                except Exception as e:
                    if not killed.is_set():
                        errors_before_kill.append(repr(e))
                    return
                finally:
                    track(bodies, -1)
                with lock:
                    for entry in res.get("Successful", []):
                        acked[bodies[int(entry["Id"])]] = entry["MessageId"]

        threads = [threading.Thread(target=sender, args=(t,), daemon=True)
                   for t in range(SENDERS)]
        threads += [threading.Thread(target=batch_sender, args=(t,), daemon=True)
                    for t in range(BATCH_SENDERS)]
        for t in threads:
            t.start()
        time.sleep(FLOOD_SECONDS)
        # Kill at a moment when a request is known to be on its way, so the crash lands in the
        # middle of the write path rather than between requests.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with lock:
                if in_flight[0] > 0:
                    break
            time.sleep(0.0005)
        killed.set()
        sl.stop(signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join(15)
            self.assertFalse(t.is_alive(), "a sender did not notice the server dying")
        self.assertEqual(errors_before_kill, [])
        # Enough traffic to make the test mean something, even on the sanitizer build.
        self.assertGreater(len(acked), 50, "too few sends were acknowledged before the kill")

        sl = self.start()
        sqs = self.client(sl)
        # The queues themselves are state too; their URLs name the new port.
        flood_url = sqs.get_queue_url(QueueName="flood")["QueueUrl"]
        gone_url = sqs.get_queue_url(QueueName="gone")["QueueUrl"]

        received = {}  # body -> MessageId
        empty = 0
        deadline = time.monotonic() + 120
        while empty < 2 and time.monotonic() < deadline:
            msgs = sqs.receive_message(QueueUrl=flood_url, MaxNumberOfMessages=10,
                                       VisibilityTimeout=300).get("Messages", [])
            if not msgs:
                empty += 1
                continue
            empty = 0
            for m in msgs:
                self.assertNotIn(m["Body"], received, "a message was delivered twice")
                received[m["Body"]] = m["MessageId"]
            res = sqs.delete_message_batch(QueueUrl=flood_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)])
            self.assertEqual(res.get("Failed", []), [])

        lost = sorted(set(acked) - set(received))
        self.assertFalse(lost, f"{len(lost)} of {len(acked)} acknowledged messages were lost, "
                               f"e.g. {lost[:5]}")
        for body, mid in acked.items():
            self.assertEqual(received[body], mid, f"{body} came back with another MessageId")
        # Nothing appears that was never sent; unanswered sends may or may not have been stored.
        self.assertEqual(set(received) - attempted, set())
        self.assertEqual(sqs.get_queue_attributes(
            QueueUrl=flood_url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"],
            {"ApproximateNumberOfMessages": "0"})

        got = sqs.receive_message(QueueUrl=gone_url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual([m["MessageId"] for m in got], [survivor])

        print(f"\n  acknowledged {len(acked)}, recovered {len(received)} "
              f"(of {len(attempted)} attempted)", flush=True)


if __name__ == "__main__":
    unittest.main()
