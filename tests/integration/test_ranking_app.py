"""The ranking example app end to end, through the gateway only: views posted to POST /views go
through the Views Kinesis stream to the aggregating function, and GET /ranking reflects them."""
import json
import os
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
        cls.sl = Serverlite(app_path("ranking"), env={"RANKING_DIR": cls.dir}).__enter__()

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
        # The counts are the aggregator's: one file per shard under RANKING_DIR.
        self.assertTrue(any(n.startswith("counts-shardId-") for n in os.listdir(self.dir)))

    def test_bad_requests_are_refused(self):
        for body in ("not json", json.dumps({"pag": "x"}), json.dumps({"page": ""}),
                     json.dumps({"page": "x" * 257}), json.dumps(["home"])):
            status, _, answer = self.sl.gateway_json("POST", "/views", body)
            self.assertEqual(status, 400, body)
            self.assertIn("message", answer)
        for query in ("?limit=0", "?limit=101", "?limit=ten"):
            status, _, _ = self.sl.gateway_json("GET", "/ranking" + query)
            self.assertEqual(status, 400, query)


if __name__ == "__main__":
    unittest.main()
