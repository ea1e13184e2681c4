"""scripts/fuzz, the black-box fuzzer: against a stand-in server with known faults it must find
each (a crash, reproduced alone; 5xx answers) and save reproducers that --replay replays; the
same seed must give the same cases; and against the real binary a short run must send cases of
every service and find nothing."""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

from harness import BIN, ROOT

FUZZ = os.path.join(ROOT, "scripts", "fuzz")
FAKE = os.path.join(ROOT, "tests", "fuzz", "blackbox", "fake_server.py")
SERVICES = ["admin", "dynamodb", "dynamodb-streams", "gateway", "kinesis", "kinesis-cbor",
            "lambda", "runtime", "sqs-json", "sqs-query"]


def fuzz(*args, timeout=300):
    return subprocess.run([sys.executable, FUZZ, *args], capture_output=True, text=True,
                          timeout=timeout)


class FindsKnownFaults(unittest.TestCase):
    """The stand-in dies of SIGSEGV on a Kinesis PutRecord and answers 500 to SQS's JSON
    protocol."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="fuzz-findings-")
        cls.summary = os.path.join(cls.dir.name, "summary.json")
        cls.fuzz_run = fuzz("--binary", FAKE, "--seconds", "20", "--cases", "400", "--seed", "3",
                       "--services", "kinesis,sqs-json", "--findings", cls.dir.name,
                       "--json", cls.summary)
        with open(cls.summary, encoding="utf-8") as f:
            cls.report = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def findings(self, kind, service):
        return [f for f in self.report["findings"] if f["kind"] == kind and
                f["service"] == service]

    def test_exit_status_and_summary(self):
        self.assertEqual(self.fuzz_run.returncode, 1, self.fuzz_run.stdout + self.fuzz_run.stderr)
        self.assertRegex(self.fuzz_run.stdout, r"fuzz: seed 3, [0-9.]+ s, \d+ cases sent")
        for service in ("kinesis", "sqs-json"):
            self.assertRegex(self.fuzz_run.stdout, rf"\n{service} +\d+ ")
            self.assertGreater(self.report["services"][service]["sent"], 20)

    def test_crash_found_and_reproduced_alone(self):
        crashes = self.findings("crash", "kinesis")
        self.assertEqual(len(crashes), 1, self.fuzz_run.stdout)
        crash = crashes[0]
        self.assertEqual(crash["symptom"], "killed by SIGSEGV")
        self.assertEqual(list(crash["ops"]), ["PutRecord"])
        self.assertEqual(crash["note"], "reproduced alone on a fresh server, twice")
        self.assertIn("finding: crash kinesis: killed by SIGSEGV", self.fuzz_run.stdout)
        with open(crash["reproducers"][0], "rb") as f:
            self.assertIn(b"X-Amz-Target: Kinesis_20131202.PutRecord", f.read())
        self.assertGreaterEqual(self.report["restarts"], 1)

    def test_5xx_found_with_reproducers(self):
        errors = self.findings("5xx", "sqs-json")
        self.assertTrue(errors, self.fuzz_run.stdout)
        main = max(errors, key=lambda f: f["count"])
        self.assertEqual(main["symptom"], "500 InternalFailure")
        self.assertGreaterEqual(len(main["ops"]), 3)
        self.assertEqual(len(main["reproducers"]), 3)
        for path in main["reproducers"]:
            with open(path, "rb") as f:
                self.assertIn(b"AmazonSQS.", f.read())
            with open(path[:-4] + ".json", encoding="utf-8") as f:
                self.assertEqual(json.load(f)["service"], "sqs-json")

    def test_replay(self):
        crash = self.findings("crash", "kinesis")[0]["reproducers"][0]
        error = self.findings("5xx", "sqs-json")[0]["reproducers"][0]
        run = fuzz("--binary", FAKE, "--replay", error, crash)
        self.assertEqual(run.returncode, 1, run.stdout + run.stderr)
        self.assertRegex(run.stdout, re.escape(error) + r": \[500\] .* -> 5xx")
        self.assertRegex(run.stdout, re.escape(crash) + r": .* -> crashed: killed by SIGSEGV")


class Deterministic(unittest.TestCase):
    def test_same_seed_same_cases(self):
        def cases(seed):
            with tempfile.TemporaryDirectory(prefix="fuzz-findings-") as d:
                run = fuzz("--binary", FAKE, "--seconds", "30", "--cases", "60", "--seed",
                           str(seed), "--services", "dynamodb,gateway,lambda,sqs-query",
                           "--verbose", "--findings", d)
            return [line.split(" -> ")[0] for line in run.stdout.splitlines()
                    if line.startswith("#")]
        first = cases(11)
        self.assertEqual(len(first), 60)
        self.assertEqual(cases(11), first)
        self.assertNotEqual(cases(12), first)


class AgainstServerlite(unittest.TestCase):
    """A short run against the real binary: every service gets cases, nothing is found."""

    def test_short_run_is_clean(self):
        with tempfile.TemporaryDirectory(prefix="fuzz-findings-") as d:
            summary = os.path.join(d, "summary.json")
            run = fuzz("--binary", BIN, "--seconds", os.environ.get("FUZZ_TEST_SECONDS", "20"),
                       "--seed", "1", "--findings", d, "--json", summary,
                       "--hang-seconds", "5")
            with open(summary, encoding="utf-8") as f:
                report = json.load(f)
        for service in SERVICES:
            self.assertGreater(report["services"][service]["sent"], 0, service)
        self.assertRegex(run.stdout, r"findings: \d+ \(crash \d+, sanitizer \d+, hang \d+")
        failing = [f for f in report["findings"] if f["kind"] != "stall"]
        self.assertEqual(failing, [], run.stdout)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)


if __name__ == "__main__":
    unittest.main()
