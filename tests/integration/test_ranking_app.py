"""The ranking example app end to end, through the gateway: views posted to POST /views go
through the Views Kinesis stream to the aggregating function, which counts them in a DynamoDB
table, and GET /ranking reflects them. The counts are state: kept on --state, gone with
--ephemeral."""
import json
import shutil
import tempfile
import time
import unittest

from harness import Serverlite, app_path

WAIT = 10  # seconds the stream may take to bring views to the ranking


class RankingApp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="ranking-")
        cls.sl = Serverlite(app_path("ranking"), "--state", cls.dir).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.sl.__exit__(None, None, None)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def view(self, page):
        status, _, body = self.sl.gateway_json("POST", "/views", json.dumps({"page": page}),
                                               {"content-type": "application/json"})
        self.assertEqual(status, 202, body)
        return body

    def ranking(self, query=""):
        status, _, body = self.sl.gateway_json("GET", "/ranking" + query)
        self.assertEqual(status, 200, body)
        return body

    def wait_for_total(self, total):
        deadline = time.monotonic() + WAIT
        while True:
            got = self.ranking("?limit=100")
            if got["totalViews"] >= total or time.monotonic() > deadline:
                return got
            time.sleep(0.1)

    def test_views_make_the_ranking_most_viewed_first(self):
        views = {"/home": 5, "/docs": 4, "/pricing": 3, "/blog": 3, "/contact": 1}
        order = [p for p, n in views.items() for _ in range(n)]
        order = order[::2] + order[1::2]  # interleave the pages
        shards = set()
        for page in order:
            put = self.view(page)
            self.assertEqual(put["page"], page)
            self.assertRegex(put["shardId"], r"^shardId-\d{12}$")
            self.assertRegex(put["sequenceNumber"], r"^\d+$")
            shards.add(put["shardId"])
        self.assertEqual(len(shards), 2, "the pages hash to both shards")

        got = self.wait_for_total(len(order))
        self.assertEqual(got["totalViews"], 16)
        # Most views first; ties (/blog, /pricing) by page name.
        self.assertEqual(got["ranking"], [
            {"rank": 1, "page": "/home", "views": 5},
            {"rank": 2, "page": "/docs", "views": 4},
            {"rank": 3, "page": "/blog", "views": 3},
            {"rank": 4, "page": "/pricing", "views": 3},
            {"rank": 5, "page": "/contact", "views": 1},
        ])
        self.assertEqual([r["page"] for r in self.ranking("?limit=2")["ranking"]],
                         ["/home", "/docs"])

        # More views move a page up.
        for _ in range(3):
            self.view("/contact")
        got = self.wait_for_total(19)
        self.assertEqual([(r["page"], r["views"]) for r in got["ranking"]],
                         [("/home", 5), ("/contact", 4), ("/docs", 4), ("/blog", 3),
                          ("/pricing", 3)])
        time.sleep(0.5)  # and nothing is counted twice
        self.assertEqual(self.ranking("?limit=100")["totalViews"], 19)
        # The counts are the aggregator's, in the Counts table; each shard's checkpoint is the
        # last sequence number it counted.
        ddb = self.sl.boto3_client("dynamodb")
        tables = {t.rsplit("-", 1)[-1]: t for t in ddb.list_tables()["TableNames"]}
        items = ddb.scan(TableName=tables["Counts"])["Items"]
        self.assertEqual({i["page"]["S"]: int(i["views"]["N"]) for i in items},
                         {"/home": 5, "/contact": 4, "/docs": 4, "/blog": 3, "/pricing": 3})
        checkpoints = ddb.scan(TableName=tables["Checkpoints"])["Items"]
        self.assertEqual(sorted(c["shard"]["S"] for c in checkpoints), sorted(shards))

    def test_bad_requests_are_refused(self):
        for body in ("not json", json.dumps({"pag": "x"}), json.dumps({"page": ""}),
                     json.dumps({"page": "x" * 257}), json.dumps(["home"])):
            status, _, answer = self.sl.gateway_json("POST", "/views", body)
            self.assertEqual(status, 400, body)
            self.assertIn("message", answer)
        for query in ("?limit=0", "?limit=101", "?limit=ten"):
            status, _, _ = self.sl.gateway_json("GET", "/ranking" + query)
            self.assertEqual(status, 400, query)


class RankingState(unittest.TestCase):
    """The counts live in serverlite's state: a restart on the same --state keeps the ranking,
    an --ephemeral start begins from nothing."""

    def views_then_ranking(self, sl, pages):
        for page in pages:
            status, _, body = sl.gateway_json("POST", "/views", json.dumps({"page": page}),
                                              {"content-type": "application/json"})
            self.assertEqual(status, 202, body)
        deadline = time.monotonic() + WAIT
        while True:
            status, _, body = sl.gateway_json("GET", "/ranking?limit=100")
            self.assertEqual(status, 200, body)
            if body["totalViews"] >= len(pages) or time.monotonic() > deadline:
                return body
            time.sleep(0.1)

    def test_a_restart_keeps_the_counts_and_ephemeral_state_starts_empty(self):
        state = tempfile.mkdtemp(prefix="ranking-state-")
        try:
            with Serverlite(app_path("ranking"), "--state", state) as sl:
                self.assertEqual(self.views_then_ranking(sl, ["/a", "/a", "/b"])["totalViews"], 3)
            with Serverlite(app_path("ranking"), "--state", state) as sl:
                got = self.views_then_ranking(sl, [])
                self.assertEqual(got["ranking"], [{"rank": 1, "page": "/a", "views": 2},
                                                  {"rank": 2, "page": "/b", "views": 1}])
            with Serverlite(app_path("ranking")) as sl:  # --ephemeral
                self.assertEqual(self.views_then_ranking(sl, []),
                                 {"ranking": [], "totalViews": 0})
        finally:
            shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
