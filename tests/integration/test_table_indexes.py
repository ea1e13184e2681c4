"""Secondary indexes through boto3 and the AWS CLI: GSIs and LSIs declared at CreateTable, added
and removed with UpdateTable, kept in step with every kind of write, read with Query and Scan
(sparse, projected, paged), and DynamoDB's validation errors."""
import json
import unittest

from boto3.dynamodb.conditions import Attr, Key

from harness import ServerTestCase


class TableIndexes(ServerTestCase):
    APP = "tables"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.sl.boto3_client("dynamodb")
        cls.resource = cls.sl.boto3_resource("dynamodb")

    def error(self, call, **kwargs):
        with self.assertRaises(self.ddb.exceptions.ClientError) as ctx:
            call(**kwargs)
        return ctx.exception.response["Error"]

    def orders_table(self, name):
        """Orders by customer and id; GSI byStatus (status, created) projecting total only;
        GSI byCoupon (coupon) KEYS_ONLY, sparse; LSI byCreated (customer, created) KEYS_ONLY."""
        self.ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "customer", "KeyType": "HASH"},
                       {"AttributeName": "id", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "customer", "AttributeType": "S"},
                                  {"AttributeName": "id", "AttributeType": "N"},
                                  {"AttributeName": "state", "AttributeType": "S"},
                                  {"AttributeName": "created", "AttributeType": "N"},
                                  {"AttributeName": "coupon", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[
                {"IndexName": "byState",
                 "KeySchema": [{"AttributeName": "state", "KeyType": "HASH"},
                               {"AttributeName": "created", "KeyType": "RANGE"}],
                 "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["total"]}},
                {"IndexName": "byCoupon",
                 "KeySchema": [{"AttributeName": "coupon", "KeyType": "HASH"}],
                 "Projection": {"ProjectionType": "KEYS_ONLY"}}],
            LocalSecondaryIndexes=[
                {"IndexName": "byCreated",
                 "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"},
                               {"AttributeName": "created", "KeyType": "RANGE"}],
                 "Projection": {"ProjectionType": "KEYS_ONLY"}}])
        return self.resource.Table(name)

    def test_describe_shows_indexes_with_counts(self):
        t = self.orders_table("idx-describe")
        t.put_item(Item={"customer": "c1", "id": 1, "state": "open", "created": 10, "total": 5})
        t.put_item(Item={"customer": "c1", "id": 2, "state": "open", "created": 11,
                         "coupon": "X"})
        t.put_item(Item={"customer": "c2", "id": 1})  # in no index but the table
        d = self.ddb.describe_table(TableName="idx-describe")["Table"]
        gsis = {g["IndexName"]: g for g in d["GlobalSecondaryIndexes"]}
        self.assertEqual(gsis["byState"]["IndexStatus"], "ACTIVE")
        self.assertEqual(gsis["byState"]["ItemCount"], 2)
        self.assertEqual(gsis["byCoupon"]["ItemCount"], 1)
        self.assertGreater(gsis["byState"]["IndexSizeBytes"], 0)
        self.assertEqual(gsis["byState"]["Projection"],
                         {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["total"]})
        self.assertEqual(gsis["byCoupon"]["IndexArn"], d["TableArn"] + "/index/byCoupon")
        lsi = d["LocalSecondaryIndexes"][0]
        self.assertEqual(lsi["IndexName"], "byCreated")
        self.assertEqual(lsi["ItemCount"], 2)
        self.assertNotIn("IndexStatus", lsi)

    def test_gsi_query_projection_sparse_and_maintenance(self):
        t = self.orders_table("idx-gsi")
        for i in range(1, 8):
            t.put_item(Item={"customer": "c%d" % (i % 3), "id": i, "state": "open",
                             "created": 100 - i, "total": i * 10, "note": "n%d" % i})
        got = t.query(IndexName="byState", KeyConditionExpression=Key("state").eq("open")
                      & Key("created").between(94, 98))
        self.assertEqual([i["created"] for i in got["Items"]], [94, 95, 96, 97, 98])
        # Only the keys and the included attribute are in the index.
        self.assertEqual(set(got["Items"][0]), {"customer", "id", "state", "created", "total"})
        # An update that moves the index key moves the entry; removing it takes it out.
        t.update_item(Key={"customer": "c1", "id": 1}, UpdateExpression="SET #s = :s",
                      ExpressionAttributeNames={"#s": "state"},
                      ExpressionAttributeValues={":s": "shipped"})
        t.update_item(Key={"customer": "c2", "id": 2}, UpdateExpression="REMOVE #s",
                      ExpressionAttributeNames={"#s": "state"})
        t.delete_item(Key={"customer": "c0", "id": 3})
        open_ids = sorted(i["id"] for i in t.query(
            IndexName="byState", KeyConditionExpression=Key("state").eq("open"))["Items"])
        self.assertEqual(open_ids, [4, 5, 6, 7])
        shipped = t.query(IndexName="byState", KeyConditionExpression=Key("state").eq("shipped"))
        self.assertEqual([i["id"] for i in shipped["Items"]], [1])
        # Sparse: only items with a coupon are in byCoupon.
        with t.batch_writer() as w:
            w.put_item(Item={"customer": "z", "id": 1, "coupon": "SAVE"})
            w.put_item(Item={"customer": "z", "id": 2, "coupon": "SAVE"})
            w.delete_item(Key={"customer": "c1", "id": 4})
        coupons = t.scan(IndexName="byCoupon")
        self.assertEqual(coupons["Count"], 2)
        self.assertEqual(sorted(i["id"] for i in coupons["Items"]), [1, 2])
        got = t.query(IndexName="byCoupon", KeyConditionExpression=Key("coupon").eq("SAVE"),
                      Select="COUNT")
        self.assertEqual(got["Count"], 2)
        # A filter and a projection of projected attributes.
        got = t.query(IndexName="byState", KeyConditionExpression=Key("state").eq("open"),
                      FilterExpression=Attr("total").gt(50), ProjectionExpression="id, #t",
                      ExpressionAttributeNames={"#t": "total"})
        self.assertEqual(sorted(i["id"] for i in got["Items"]), [6, 7])
        self.assertEqual(set(got["Items"][0]), {"id", "total"})

    def test_index_pages_carry_index_and_table_keys(self):
        t = self.orders_table("idx-pages")
        with t.batch_writer() as w:
            for i in range(25):
                w.put_item(Item={"customer": "c%d" % (i % 4), "id": i, "state": "open",
                                 "created": i % 5})  # many items share an index key
        seen, start = [], None
        while True:
            kwargs = {"ExclusiveStartKey": start} if start else {}
            page = t.query(IndexName="byState", KeyConditionExpression=Key("state").eq("open"),
                           Limit=4, ScanIndexForward=False, **kwargs)
            seen += [(int(i["created"]), i["customer"], int(i["id"])) for i in page["Items"]]
            start = page.get("LastEvaluatedKey")
            if not start:
                break
            self.assertEqual(set(start), {"state", "created", "customer", "id"})
        self.assertEqual(len(seen), 25)
        self.assertEqual(len(set(seen)), 25)
        self.assertEqual([s[0] for s in seen], sorted([s[0] for s in seen], reverse=True))
        # Parallel scan of an index covers every entry once.
        ids = []
        for segment in range(3):
            start = None
            while True:
                kwargs = {"ExclusiveStartKey": start} if start else {}
                page = t.scan(IndexName="byState", Segment=segment, TotalSegments=3, Limit=7,
                              **kwargs)
                ids += [(i["customer"], int(i["id"])) for i in page["Items"]]
                start = page.get("LastEvaluatedKey")
                if not start:
                    break
        self.assertEqual(len(ids), 25)
        self.assertEqual(len(set(ids)), 25)

    def test_lsi_reads_fetch_from_the_table_when_asked_for_more(self):
        t = self.orders_table("idx-lsi")
        for i in range(1, 6):
            t.put_item(Item={"customer": "c", "id": i, "created": 50 - i, "note": "n%d" % i})
        got = t.query(IndexName="byCreated", KeyConditionExpression=Key("customer").eq("c")
                      & Key("created").lt(48))
        self.assertEqual([i["id"] for i in got["Items"]], [5, 4, 3])
        self.assertEqual(set(got["Items"][0]), {"customer", "id", "created"})
        got = t.query(IndexName="byCreated", KeyConditionExpression=Key("customer").eq("c"),
                      Select="ALL_ATTRIBUTES", ConsistentRead=True)
        self.assertEqual(got["Items"][0]["note"], "n5")
        got = t.query(IndexName="byCreated", KeyConditionExpression=Key("customer").eq("c"),
                      ProjectionExpression="note", FilterExpression=Attr("note").ne("n1"))
        self.assertEqual([i["note"] for i in got["Items"]], ["n5", "n4", "n3", "n2"])

    def test_update_table_adds_and_removes_a_gsi(self):
        self.ddb.create_table(
            TableName="idx-update", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        t = self.resource.Table("idx-update")
        for i in range(30):
            t.put_item(Item={"pk": "p%d" % i, "email": "u%d@x" % (i % 10)})
        self.ddb.update_table(
            TableName="idx-update",
            AttributeDefinitions=[{"AttributeName": "email", "AttributeType": "S"}],
            GlobalSecondaryIndexUpdates=[{"Create": {
                "IndexName": "byEmail",
                "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"}}}])
        got = t.query(IndexName="byEmail", KeyConditionExpression=Key("email").eq("u3@x"))
        self.assertEqual(sorted(i["pk"] for i in got["Items"]), ["p13", "p23", "p3"])
        d = self.ddb.describe_table(TableName="idx-update")["Table"]
        self.assertEqual(d["GlobalSecondaryIndexes"][0]["ItemCount"], 30)
        self.assertIn({"AttributeName": "email", "AttributeType": "S"}, d["AttributeDefinitions"])
        err = self.error(self.ddb.update_table, TableName="idx-update",
                         GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "nope"}}])
        self.assertEqual(err["Code"], "ResourceNotFoundException")
        self.ddb.update_table(TableName="idx-update",
                              GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "byEmail"}}])
        self.assertNotIn("GlobalSecondaryIndexes",
                         self.ddb.describe_table(TableName="idx-update")["Table"])
        err = self.error(t.query, IndexName="byEmail",
                         KeyConditionExpression=Key("email").eq("u3@x"))
        self.assertEqual(err["Message"], "The table does not have the specified index: byEmail")

    def test_validation_errors(self):
        t = self.orders_table("idx-errors")
        err = self.error(t.put_item, Item={"customer": "c", "id": 1, "state": 5})
        self.assertEqual(err["Message"], "One or more parameter values were invalid: Type mismatch"
                                         " for Index Key state Expected: S Actual: N IndexName: "
                                         "byState")
        err = self.error(t.put_item, Item={"customer": "c", "id": 1, "coupon": ""})
        self.assertEqual(err["Message"],
                         "One or more parameter values are not valid. A value specified for a "
                         "secondary index key is not supported. The AttributeValue for a key "
                         "attribute cannot contain an empty string value. IndexName: byCoupon, "
                         "IndexKey: coupon")
        err = self.error(t.update_item, Key={"customer": "c", "id": 1},
                         UpdateExpression="SET created = :c",
                         ExpressionAttributeValues={":c": "soon"})
        self.assertIn("Type mismatch for Index Key created Expected: N Actual: S", err["Message"])
        self.assertNotIn("Item", t.get_item(Key={"customer": "c", "id": 1}))
        err = self.error(t.query, IndexName="byState", ConsistentRead=True,
                         KeyConditionExpression=Key("state").eq("open"))
        self.assertEqual(err["Message"],
                         "Consistent reads are not supported on global secondary indexes")
        err = self.error(t.query, IndexName="byState", Select="ALL_ATTRIBUTES",
                         KeyConditionExpression=Key("state").eq("open"))
        self.assertEqual(err["Message"],
                         "One or more parameter values were invalid: Select type ALL_ATTRIBUTES "
                         "is not supported for global secondary index byState because its "
                         "projection type is not ALL")
        err = self.error(t.query, IndexName="byState", ProjectionExpression="note",
                         KeyConditionExpression=Key("state").eq("open"))
        self.assertEqual(err["Message"], "One or more parameter values were invalid: Global "
                                         "secondary index byState does not project [note]")
        err = self.error(t.query, IndexName="byState",
                         KeyConditionExpression=Key("customer").eq("c"))
        self.assertIn("Query condition missed key schema element", err["Message"])
        err = self.error(t.query, IndexName="byState", KeyConditionExpression=Key("state").eq("o"),
                         FilterExpression=Attr("created").gt(1))
        self.assertEqual(err["Message"], "Filter Expression can only contain non-primary key "
                                         "attributes: Primary key attribute: created")
        # CreateTable checks.
        base = dict(BillingMode="PAY_PER_REQUEST",
                    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        err = self.error(self.ddb.create_table, TableName="idx-bad1", **base,
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                               {"AttributeName": "x", "AttributeType": "S"}],
                         LocalSecondaryIndexes=[{
                             "IndexName": "lsi",
                             "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                           {"AttributeName": "x", "KeyType": "RANGE"}],
                             "Projection": {"ProjectionType": "ALL"}}])
        self.assertEqual(err["Message"], "One or more parameter values were invalid: Table "
                                         "KeySchema does not have a range key, which is required "
                                         "when specifying a LocalSecondaryIndex")
        err = self.error(self.ddb.create_table, TableName="idx-bad2", **base,
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                               {"AttributeName": "x", "AttributeType": "S"},
                                               {"AttributeName": "y", "AttributeType": "S"}],
                         GlobalSecondaryIndexes=[{
                             "IndexName": "gsi",
                             "KeySchema": [{"AttributeName": "x", "KeyType": "HASH"}],
                             "Projection": {"ProjectionType": "ALL"}}])
        self.assertEqual(err["Message"], "One or more parameter values were invalid: Some "
                                         "AttributeDefinitions are not used. AttributeDefinitions:"
                                         " [pk, x, y], keys used: [pk, x]")
        err = self.error(self.ddb.create_table, TableName="idx-bad3", **base,
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                               {"AttributeName": "x", "AttributeType": "S"}],
                         GlobalSecondaryIndexes=[{
                             "IndexName": "gsi",
                             "KeySchema": [{"AttributeName": "x", "KeyType": "HASH"}],
                             "Projection": {"ProjectionType": "KEYS_ONLY",
                                            "NonKeyAttributes": ["a"]}}])
        self.assertEqual(err["Message"], "One or more parameter values were invalid: "
                                         "ProjectionType is KEYS_ONLY, but NonKeyAttributes is "
                                         "specified")
        err = self.error(self.ddb.create_table, TableName="idx-bad4",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                               {"AttributeName": "x", "AttributeType": "S"}],
                         GlobalSecondaryIndexes=[{
                             "IndexName": "gsi",
                             "KeySchema": [{"AttributeName": "x", "KeyType": "HASH"}],
                             "Projection": {"ProjectionType": "ALL"}}])
        self.assertEqual(err["Message"], "One or more parameter values were invalid: "
                                         "ProvisionedThroughput must be specified for index: gsi")

    def test_cli_queries_an_index(self):
        self.orders_table("idx-cli")
        self.resource.Table("idx-cli").put_item(
            Item={"customer": "c", "id": 7, "state": "open", "created": 3})
        r = self.sl.aws_cli("dynamodb", "query", "--table-name", "idx-cli", "--index-name",
                            "byState", "--key-condition-expression", "#s = :s",
                            "--expression-attribute-names", json.dumps({"#s": "state"}),
                            "--expression-attribute-values", json.dumps({":s": {"S": "open"}}))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["Items"][0]["id"], {"N": "7"})


if __name__ == "__main__":
    unittest.main()
