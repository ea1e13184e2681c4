"""DynamoDB table-level operations through boto3: the table and index lifecycle states that
`up --create-table-ms / --update-table-ms / --delete-table-ms` give (moved by the virtual clock,
kept across a restart), CreateTable's and UpdateTable's checks in DynamoDB's order, and the tag
operations' ARN and tag checks."""
import json
import shutil
import tempfile
import unittest

import botocore.exceptions

from harness import Serverlite, ServerTestCase, app_path

ACCOUNT = "000000000000"
ARN = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/"
START = "2026-01-01T00:00:00Z"


def table_args(name, **kwargs):
    args = {"TableName": name,
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}
    args.update(kwargs)
    return args


class Errors:
    def error(self, call, **kwargs):
        with self.assertRaises(botocore.exceptions.ClientError) as ctx:
            call(**kwargs)
        return ctx.exception.response["Error"]

    def assert_error(self, code, message, call, **kwargs):
        e = self.error(call, **kwargs)
        self.assertEqual((e["Code"], e["Message"]), (code, message))


class Lifecycle(Errors, ServerTestCase):
    """Statuses last 10 s of the virtual clock, which only the test moves."""
    APP = "tables"
    ARGS = ("--clock", "virtual=" + START, "--create-table-ms", "10000",
            "--update-table-ms", "10000", "--delete-table-ms", "10000")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.sl.boto3_client("dynamodb")

    def advance(self, duration):
        status, _, body = self.sl.request("POST", self.sl.aws_url + "/_serverlite/clock",
                                          json.dumps({"advance": duration}))
        self.assertEqual(status, 200, body)

    def status(self, name):
        return self.ddb.describe_table(TableName=name)["Table"]["TableStatus"]

    def test_creating_then_active(self):
        gsi = {"IndexName": "byv", "KeySchema": [{"AttributeName": "v", "KeyType": "HASH"}],
               "Projection": {"ProjectionType": "ALL"},
               "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}
        d = self.ddb.create_table(**table_args(
            "life_create", GlobalSecondaryIndexes=[gsi],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "v", "AttributeType": "S"}]))
        self.assertEqual(d["TableDescription"]["TableStatus"], "CREATING")
        self.assertEqual(d["TableDescription"]["GlobalSecondaryIndexes"][0]["IndexStatus"],
                         "CREATING")
        self.assertEqual(self.status("life_create"), "CREATING")
        # Items of a table being created are not found; changing the table is refused.
        self.assert_error("ResourceNotFoundException", "Requested resource not found",
                          self.ddb.put_item, TableName="life_create", Item={"pk": {"S": "a"}})
        self.assert_error("ResourceNotFoundException", "Requested resource not found",
                          self.ddb.get_item, TableName="life_create", Key={"pk": {"S": "a"}})
        self.assert_error("ResourceInUseException",
                          "Attempt to change a resource which is still in use: Table is being "
                          "created: life_create",
                          self.ddb.delete_table, TableName="life_create")
        self.assertEqual(self.error(self.ddb.update_table, TableName="life_create",
                                    ProvisionedThroughput={"ReadCapacityUnits": 7,
                                                           "WriteCapacityUnits": 7})["Code"],
                         "ResourceInUseException")
        self.assertIn("life_create", self.ddb.list_tables()["TableNames"])
        self.advance("PT9S")
        self.assertEqual(self.status("life_create"), "CREATING")
        self.advance("PT1S")
        t = self.ddb.describe_table(TableName="life_create")["Table"]
        self.assertEqual(t["TableStatus"], "ACTIVE")
        self.assertEqual(t["GlobalSecondaryIndexes"][0]["IndexStatus"], "ACTIVE")
        self.ddb.put_item(TableName="life_create", Item={"pk": {"S": "a"}})

    def test_updating_applies_throughput_when_active(self):
        self.ddb.create_table(**table_args("life_update"))
        self.advance("PT10S")
        d = self.ddb.update_table(TableName="life_update",
                                  ProvisionedThroughput={"ReadCapacityUnits": 15,
                                                         "WriteCapacityUnits": 15})
        desc = d["TableDescription"]
        self.assertEqual(desc["TableStatus"], "UPDATING")
        # The new throughput is in force once the update is done.
        self.assertEqual(desc["ProvisionedThroughput"]["ReadCapacityUnits"], 5)
        self.assertIn("LastIncreaseDateTime", desc["ProvisionedThroughput"])
        # Items stay reachable while the table is UPDATING; another update waits.
        self.ddb.put_item(TableName="life_update", Item={"pk": {"S": "a"}})
        self.assertEqual(self.error(self.ddb.update_table, TableName="life_update",
                                    ProvisionedThroughput={"ReadCapacityUnits": 9,
                                                           "WriteCapacityUnits": 9})["Code"],
                         "ResourceInUseException")
        self.assertEqual(self.error(self.ddb.delete_table, TableName="life_update")["Code"],
                         "ResourceInUseException")
        self.advance("PT10S")
        t = self.ddb.describe_table(TableName="life_update")["Table"]
        self.assertEqual(t["TableStatus"], "ACTIVE")
        self.assertEqual(t["ProvisionedThroughput"]["ReadCapacityUnits"], 15)
        # A decrease counts once done.
        self.ddb.update_table(TableName="life_update",
                              ProvisionedThroughput={"ReadCapacityUnits": 5,
                                                     "WriteCapacityUnits": 5})
        self.advance("PT10S")
        pt = self.ddb.describe_table(TableName="life_update")["Table"]["ProvisionedThroughput"]
        self.assertEqual((pt["ReadCapacityUnits"], pt["NumberOfDecreasesToday"]), (5, 1))
        self.assertIn("LastDecreaseDateTime", pt)

    def test_new_index_is_creating(self):
        self.ddb.create_table(**table_args("life_gsi"))
        self.advance("PT10S")
        d = self.ddb.update_table(
            TableName="life_gsi",
            AttributeDefinitions=[{"AttributeName": "v", "AttributeType": "S"}],
            GlobalSecondaryIndexUpdates=[{"Create": {
                "IndexName": "byv", "KeySchema": [{"AttributeName": "v", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
                "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}])
        self.assertEqual(d["TableDescription"]["GlobalSecondaryIndexes"][0]["IndexStatus"],
                         "CREATING")
        self.advance("PT10S")
        t = self.ddb.describe_table(TableName="life_gsi")["Table"]
        self.assertEqual(t["GlobalSecondaryIndexes"][0]["IndexStatus"], "ACTIVE")

    def test_deleting_then_gone(self):
        self.ddb.create_table(**table_args("life_delete"))
        self.advance("PT10S")
        d = self.ddb.delete_table(TableName="life_delete")
        self.assertEqual(d["TableDescription"]["TableStatus"], "DELETING")
        self.assertEqual(self.status("life_delete"), "DELETING")
        self.assert_error("ResourceNotFoundException", "Requested resource not found",
                          self.ddb.get_item, TableName="life_delete", Key={"pk": {"S": "a"}})
        # Deleting a table being deleted answers it as it is.
        again = self.ddb.delete_table(TableName="life_delete")
        self.assertEqual(again["TableDescription"]["TableStatus"], "DELETING")
        self.assertEqual(self.error(self.ddb.create_table, **table_args("life_delete"))["Code"],
                         "ResourceInUseException")
        self.advance("PT10S")
        self.assertEqual(self.error(self.ddb.describe_table, TableName="life_delete")["Code"],
                         "ResourceNotFoundException")
        self.assertNotIn("life_delete", self.ddb.list_tables()["TableNames"])
        self.ddb.create_table(**table_args("life_delete"))


class LifecycleRestart(unittest.TestCase):
    """A status and its end are stored: after a restart, a table whose CREATING time has passed
    is ACTIVE, one whose time has not is still CREATING."""

    def test_creating_survives_restart(self):
        state = tempfile.mkdtemp(prefix="serverlite-lifecycle-")
        self.addCleanup(shutil.rmtree, state, ignore_errors=True)
        args = ("--state", state, "--create-table-ms", "1500")
        with Serverlite(app_path("tables"), *args) as sl:
            ddb = sl.boto3_client("dynamodb")
            ddb.create_table(**table_args("restart_a"))
        with Serverlite(app_path("tables"), "--state", state, "--create-table-ms",
                        "600000") as sl:
            ddb = sl.boto3_client("dynamodb")
            ddb.create_table(**table_args("restart_b"))
        import time
        time.sleep(1.6)
        with Serverlite(app_path("tables"), "--state", state) as sl:
            ddb = sl.boto3_client("dynamodb")
            self.assertEqual(ddb.describe_table(TableName="restart_a")["Table"]["TableStatus"],
                             "ACTIVE")
            self.assertEqual(ddb.describe_table(TableName="restart_b")["Table"]["TableStatus"],
                             "CREATING")


class TableChecks(Errors, ServerTestCase):
    """CreateTable, UpdateTable and the tag operations' checks, in DynamoDB's order."""
    APP = "tables"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.sl.boto3_client("dynamodb")

    def create_error(self, **kwargs):
        return self.error(self.ddb.create_table, **kwargs)["Message"]

    def test_create_throughput_before_keys(self):
        no_defs = table_args("chk", AttributeDefinitions=[])
        del no_defs["ProvisionedThroughput"]
        self.assertEqual(self.create_error(**no_defs),
                         "One or more parameter values were invalid: ReadCapacityUnits and "
                         "WriteCapacityUnits must both be specified when BillingMode is "
                         "PROVISIONED")
        self.assertEqual(self.create_error(**table_args("chk", AttributeDefinitions=[],
                                                       BillingMode="PAY_PER_REQUEST")),
                         "One or more parameter values were invalid: Neither ReadCapacityUnits "
                         "nor WriteCapacityUnits can be specified when BillingMode is "
                         "PAY_PER_REQUEST")
        self.assertEqual(self.create_error(**table_args(
            "chk", AttributeDefinitions=[],
            ProvisionedThroughput={"ReadCapacityUnits": 1000000000001, "WriteCapacityUnits": 1})),
            "Given value 1000000000001 for ReadCapacityUnits is out of bounds")
        self.assertEqual(self.create_error(**table_args("chk", AttributeDefinitions=[])),
                         "Invalid KeySchema: Some index key attribute have no definition")

    def test_create_index_checks(self):
        defs = [{"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"}]
        keys = [{"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"}]
        lsi = {"IndexName": "abc", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
               "Projection": {}}
        self.assertEqual(self.create_error(**table_args("chk", AttributeDefinitions=defs,
                                                       KeySchema=keys,
                                                       LocalSecondaryIndexes=[lsi])),
                         "One or more parameter values were invalid: Index KeySchema does not "
                         "have a range key for index: abc")
        gsi = {"IndexName": "abc", "KeySchema": [{"AttributeName": "sk", "KeyType": "HASH"}],
               "Projection": {}}
        self.assertEqual(self.create_error(**table_args("chk", AttributeDefinitions=defs,
                                                       KeySchema=keys,
                                                       GlobalSecondaryIndexes=[gsi])),
                         "One or more parameter values were invalid: Unknown ProjectionType: null")
        many = [dict(gsi, IndexName=f"i{n:02}", Projection={"ProjectionType": "ALL"},
                     ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
                for n in range(21)]
        e = self.error(self.ddb.create_table, **table_args("chk", AttributeDefinitions=defs,
                                                           KeySchema=keys,
                                                           GlobalSecondaryIndexes=many))
        self.assertEqual((e["Code"], e["Message"]),
                         ("ValidationException", "One or more parameter values were invalid: "
                          "GlobalSecondaryIndex count exceeds the per-table limit of 20"))

    def test_update_checks_before_lookup(self):
        self.assert_error("ValidationException",
                          "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
                          "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is "
                          "required",
                          self.ddb.update_table, TableName="nothere", GlobalSecondaryIndexUpdates=[])
        self.assert_error("ValidationException",
                          "One or more parameter values were invalid: Only one global secondary "
                          "index update per index is allowed simultaneously. Index: abc",
                          self.ddb.update_table, TableName="nothere",
                          GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "abc"}},
                                                       {"Delete": {"IndexName": "abc"}}])
        self.assert_error("ResourceNotFoundException",
                          "Requested resource not found: Table: nothere not found",
                          self.ddb.update_table, TableName="nothere",
                          ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
        self.ddb.create_table(**table_args("upd_checks"))
        self.assert_error("LimitExceededException",
                          "Subscriber limit exceeded: Only 1 online index can be created or "
                          "deleted simultaneously per table",
                          self.ddb.update_table, TableName="upd_checks",
                          GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": f"ab{c}"}}
                                                       for c in "cdefgh"])

    def test_tag_arn_checks(self):
        e = self.error(self.ddb.tag_resource, ResourceArn="a:b:c:d:e/f",
                       Tags=[{"Key": "k", "Value": "v"}])
        self.assertEqual(e["Code"], "AccessDeniedException")
        self.assertRegex(e["Message"], r"^User: arn:aws:iam::\d+:.+ is not authorized to perform: "
                                       r"dynamodb:TagResource on resource: a:b:c:d:e/f$")
        self.assert_error("ValidationException",
                          "Invalid TableArn: Invalid ResourceArn provided as input a:b:c:d:e:f/g",
                          self.ddb.list_tags_of_resource, ResourceArn="a:b:c:d:e:f/g")
        self.assert_error("ValidationException",
                          f"Invalid TableArn: Invalid ResourceArn provided as input {ARN}ab",
                          self.ddb.untag_resource, ResourceArn=ARN + "ab", TagKeys=["a"])
        self.assert_error("ValidationException", "Atleast one Tag needs to be provided as Input.",
                          self.ddb.tag_resource, ResourceArn=ARN + "nothere", Tags=[])
        self.assert_error("ResourceNotFoundException",
                          f"Requested resource not found: ResourcArn: {ARN}nothere not found",
                          self.ddb.tag_resource, ResourceArn=ARN + "nothere",
                          Tags=[{"Key": "k", "Value": "v"}])
        self.assert_error("ResourceNotFoundException", "Requested resource not found",
                          self.ddb.untag_resource, ResourceArn=ARN + "nothere", TagKeys=["k"])
        # A table of another account is not this one's.
        self.ddb.create_table(**table_args("tagged"))
        self.assertEqual(self.error(self.ddb.list_tags_of_resource,
                                    ResourceArn="arn:aws:dynamodb:us-east-1:111111111111:table/"
                                                "tagged")["Code"],
                         "ResourceNotFoundException")

    def test_tag_limits(self):
        self.ddb.create_table(**table_args("tag_limits"))
        e = self.error(self.ddb.tag_resource, ResourceArn=ARN + "tag_limits",
                       Tags=[{"Key": "k" * 129, "Value": "v" * 257}])
        self.assertEqual(e["Code"], "ValidationException")
        self.assertTrue(e["Message"].startswith("2 validation errors detected: "), e["Message"])
        self.assertIn("at 'tags.1.member.key' failed to satisfy constraint: Member must have "
                      "length less than or equal to 128", e["Message"])
        self.ddb.tag_resource(ResourceArn=ARN + "tag_limits",
                              Tags=[{"Key": f"k{n}", "Value": ""} for n in range(50)])
        e = self.error(self.ddb.tag_resource, ResourceArn=ARN + "tag_limits",
                       Tags=[{"Key": "one-more", "Value": "v"}])
        self.assertEqual(e["Code"], "LimitExceededException")
        tags = self.ddb.list_tags_of_resource(ResourceArn=ARN + "tag_limits")["Tags"]
        self.assertEqual(len(tags), 50)


if __name__ == "__main__":
    unittest.main()
