"""The DynamoDB table service through boto3 and the AWS CLI: table management, AWS::DynamoDB::Table
resources, and the protocol details the SDKs check (x-amz-crc32, error types)."""
import binascii
import json
import os
import tempfile
import unittest
import urllib.error
import urllib.request

from harness import Serverlite, ServerTestCase, app_path, signed

ACCOUNT = "000000000000"
ARN = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/"


def key_schema(hash_name, range_name=None):
    schema = [{"AttributeName": hash_name, "KeyType": "HASH"}]
    if range_name:
        schema.append({"AttributeName": range_name, "KeyType": "RANGE"})
    return schema


class TableManagement(ServerTestCase):
    APP = "tables"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.sl.boto3_client("dynamodb")

    def create(self, name, **kwargs):
        args = {"TableName": name, "KeySchema": key_schema("pk", "sk"),
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                         {"AttributeName": "sk", "AttributeType": "N"}],
                "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}
        args.update(kwargs)
        return self.ddb.create_table(**args)["TableDescription"]

    def error(self, call, **kwargs):
        with self.assertRaises(self.ddb.exceptions.ClientError) as ctx:
            call(**kwargs)
        return ctx.exception.response["Error"]

    def test_create_describe_delete(self):
        created = self.create("widgets")
        self.assertEqual(created["TableStatus"], "CREATING")
        self.assertEqual(created["TableArn"], ARN + "widgets")
        self.assertEqual(created["KeySchema"], key_schema("pk", "sk"))
        self.ddb.get_waiter("table_exists").wait(TableName="widgets",
                                                 WaiterConfig={"Delay": 1, "MaxAttempts": 5})
        table = self.ddb.describe_table(TableName="widgets")["Table"]
        self.assertEqual(table["TableStatus"], "ACTIVE")
        self.assertEqual(table["ItemCount"], 0)
        self.assertEqual(table["ProvisionedThroughput"]["ReadCapacityUnits"], 5)
        self.assertEqual(table["AttributeDefinitions"][1],
                         {"AttributeName": "sk", "AttributeType": "N"})
        self.assertEqual(len(table["TableId"]), 36)
        deleted = self.ddb.delete_table(TableName="widgets")["TableDescription"]
        self.assertEqual(deleted["TableStatus"], "DELETING")
        err = self.error(self.ddb.describe_table, TableName="widgets")
        self.assertEqual(err["Code"], "ResourceNotFoundException")
        self.assertEqual(err["Message"], "Requested resource not found: Table: widgets not found")

    def test_create_errors(self):
        self.create("dupes")
        err = self.error(self.create, name="dupes")
        self.assertEqual((err["Code"], err["Message"]),
                         ("ResourceInUseException", "Table already exists: dupes"))
        err = self.error(self.create, name="badkeys", KeySchema=key_schema("pk", "other"))
        self.assertEqual(err["Code"], "ValidationException")
        # As many key attributes as definitions: DynamoDB names the undefined ones.
        self.assertEqual(err["Message"],
                         "One or more parameter values were invalid: Some index key attributes "
                         "are not defined in AttributeDefinitions. Keys: [pk, other], "
                         "AttributeDefinitions: [pk, sk]")
        err = self.error(self.create, name="badorder",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "RANGE"},
                                    {"AttributeName": "sk", "KeyType": "HASH"}])
        self.assertEqual(err["Message"],
                         "Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
        err = self.error(self.create, name="extra", KeySchema=key_schema("pk"))
        self.assertEqual(err["Message"],
                         "One or more parameter values were invalid: Number of attributes in "
                         "KeySchema does not exactly match number of attributes defined in "
                         "AttributeDefinitions")
        err = self.error(self.ddb.create_table, TableName="nothroughput",
                         KeySchema=key_schema("pk"),
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        self.assertEqual(err["Message"],
                         "One or more parameter values were invalid: ReadCapacityUnits and "
                         "WriteCapacityUnits must both be specified when BillingMode is "
                         "PROVISIONED")

    def test_list_tables_pages(self):
        for name in ("page-a", "page-b", "page-c"):
            self.create(name)
        names = []
        for page in self.ddb.get_paginator("list_tables").paginate(
                PaginationConfig={"PageSize": 2}):
            names += page["TableNames"]
        self.assertLess(names.index("page-a"), names.index("page-b"))
        self.assertIn("page-c", names)
        first = self.ddb.list_tables(Limit=1)
        self.assertEqual(len(first["TableNames"]), 1)
        self.assertEqual(first["LastEvaluatedTableName"], first["TableNames"][0])

    def test_update_table(self):
        self.create("updatable")
        t = self.ddb.update_table(TableName="updatable", ProvisionedThroughput={
            "ReadCapacityUnits": 7, "WriteCapacityUnits": 9})["TableDescription"]
        self.assertEqual(t["ProvisionedThroughput"]["WriteCapacityUnits"], 9)
        self.assertIn("LastIncreaseDateTime", t["ProvisionedThroughput"])
        t = self.ddb.update_table(TableName="updatable",
                                  BillingMode="PAY_PER_REQUEST")["TableDescription"]
        self.assertEqual(t["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST")
        err = self.error(self.ddb.update_table, TableName="missing-table",
                         BillingMode="PAY_PER_REQUEST")
        self.assertEqual(err["Code"], "ResourceNotFoundException")

    def test_tags(self):
        arn = self.create("tagged")["TableArn"]
        self.ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"},
                                                     {"Key": "b", "Value": "2"}])
        self.ddb.untag_resource(ResourceArn=arn, TagKeys=["a"])
        self.assertEqual(self.ddb.list_tags_of_resource(ResourceArn=arn)["Tags"],
                         [{"Key": "b", "Value": "2"}])

    def test_limits_and_endpoints(self):
        limits = self.ddb.describe_limits()
        self.assertEqual(limits["TableMaxWriteCapacityUnits"], 40000)
        endpoints = self.ddb.describe_endpoints()["Endpoints"]
        self.assertEqual(endpoints[0]["Address"], self.sl.aws_url.split("://")[1])

    def test_every_answer_carries_its_crc32(self):
        req = urllib.request.Request(self.sl.aws_url + "/", data=b"{}", headers=signed({
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            "Content-Type": "application/x-amz-json-1.0"}))
        with urllib.request.urlopen(req, timeout=10) as res:
            body = res.read()
            self.assertEqual(int(res.headers["x-amz-crc32"]), binascii.crc32(body))
        req = urllib.request.Request(self.sl.aws_url + "/", data=b'{"TableName":"none-such"}',
                                     headers=signed({
                                         "X-Amz-Target": "DynamoDB_20120810.DescribeTable",
                                         "Content-Type": "application/x-amz-json-1.0"}))
        with self.assertRaises(urllib.error.HTTPError) as ctx:
            urllib.request.urlopen(req, timeout=10)
        body = ctx.exception.read()
        self.assertEqual(int(ctx.exception.headers["x-amz-crc32"]), binascii.crc32(body))
        self.assertEqual(json.loads(body)["__type"],
                         "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException")

    def test_cli_round_trip(self):
        r = self.sl.aws_cli("dynamodb", "create-table", "--table-name", "from-cli",
                            "--attribute-definitions", "AttributeName=id,AttributeType=S",
                            "--key-schema", "AttributeName=id,KeyType=HASH",
                            "--billing-mode", "PAY_PER_REQUEST")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.sl.aws_cli("dynamodb", "describe-table", "--table-name", "from-cli")
        self.assertEqual(json.loads(r.stdout)["Table"]["TableStatus"], "ACTIVE")
        r = self.sl.aws_cli("dynamodb", "describe-table", "--table-name", "nope-cli")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ResourceNotFoundException", r.stderr)

    def test_properties_not_applied_yet_are_warned_about(self):
        warning = ("serverless.yml: resources.Resources.Orders.Properties.SSESpecification: "
                   "not supported yet, ignored")
        self.assertTrue(self.sl.wait_for_log(lambda l: warning in l), self.sl.stderr())
        self.assertNotIn("StreamSpecification: not supported", self.sl.stderr())

    def test_resource_indexes_and_stream(self):
        orders = self.ddb.describe_table(TableName="orders")["Table"]
        self.assertEqual([g["IndexName"] for g in orders["GlobalSecondaryIndexes"]], ["byState"])
        self.assertEqual(orders["LocalSecondaryIndexes"][0]["Projection"],
                         {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["total"]})
        self.assertEqual(orders["StreamSpecification"],
                         {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        self.assertTrue(orders["LatestStreamArn"].startswith(
            orders["TableArn"] + "/stream/" + orders["LatestStreamLabel"]))
        res = self.client.invoke(FunctionName="tables-dev-env")
        env = json.loads(res["Payload"].read())
        self.assertEqual(env["ORDERS_STREAM"], orders["LatestStreamArn"])

    def test_resources_exist_with_their_properties(self):
        orders = self.ddb.describe_table(TableName="orders")["Table"]
        self.assertEqual(orders["KeySchema"], key_schema("customer", "placed"))
        self.assertEqual(orders["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST")
        self.assertEqual(self.ddb.list_tags_of_resource(ResourceArn=orders["TableArn"])["Tags"],
                         [{"Key": "team", "Value": "shop"}])
        users = self.ddb.describe_table(TableName="tables-dev-Users")["Table"]
        self.assertEqual(users["AttributeDefinitions"],
                         [{"AttributeName": "id", "AttributeType": "B"}])
        self.assertEqual(users["ProvisionedThroughput"]["WriteCapacityUnits"], 3)
        res = self.client.invoke(FunctionName="tables-dev-env")
        env = json.loads(res["Payload"].read())
        self.assertTrue(env.pop("ORDERS_STREAM").startswith(ARN + "orders/stream/"))
        self.assertEqual(env, {"ORDERS_TABLE": "orders", "ORDERS_ARN": ARN + "orders",
                               "USERS_TABLE": "tables-dev-Users"})


class TablesAcrossRestarts(unittest.TestCase):
    def test_tables_survive_and_follow_the_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            state = os.path.join(tmp, "state")
            with Serverlite(app_path("tables"), "--state", state) as sl:
                ddb = sl.boto3_client("dynamodb")
                ddb.update_table(TableName="tables-dev-Users", ProvisionedThroughput={
                    "ReadCapacityUnits": 50, "WriteCapacityUnits": 50})
                ddb.create_table(TableName="made-at-runtime", KeySchema=key_schema("id"),
                                 AttributeDefinitions=[{"AttributeName": "id",
                                                        "AttributeType": "S"}],
                                 BillingMode="PAY_PER_REQUEST")
            with Serverlite(app_path("tables"), "--state", state) as sl:
                ddb = sl.boto3_client("dynamodb")
                users = ddb.describe_table(TableName="tables-dev-Users")["Table"]
                self.assertEqual(users["ProvisionedThroughput"]["ReadCapacityUnits"], 2)
                self.assertIn("made-at-runtime", ddb.list_tables()["TableNames"])


if __name__ == "__main__":
    unittest.main()
