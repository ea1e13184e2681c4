"""PartiQL through boto3 and the AWS CLI: ExecuteStatement (SELECT on tables and indexes with
parameters, paging, ORDER BY; INSERT, UPDATE with RETURNING, DELETE), BatchExecuteStatement and
ExecuteTransaction, with DynamoDB's errors."""
import json
import unittest

from harness import ServerTestCase


def s(v):
    return {"S": v}


def n(v):
    return {"N": str(v)}


class TablePartiQL(ServerTestCase):
    APP = "tables"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.sl.boto3_client("dynamodb")
        cls.ddb.create_table(
            TableName="pq-songs", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "artist", "KeyType": "HASH"},
                       {"AttributeName": "title", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "artist", "AttributeType": "S"},
                                  {"AttributeName": "title", "AttributeType": "S"},
                                  {"AttributeName": "year", "AttributeType": "N"}],
            GlobalSecondaryIndexes=[{
                "IndexName": "byYear",
                "KeySchema": [{"AttributeName": "year", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"}}])
        songs = [("Ana", "Alpha", 1999, 10), ("Ana", "Beta", 2001, 20), ("Ana", "Gamma", 2001, 5),
                 ("Bo", "Delta", 1999, 7), ("Cy", "Eps", 2010, 1)]
        for artist, title, year, plays in songs:
            cls.ddb.put_item(TableName="pq-songs", Item={
                "artist": s(artist), "title": s(title), "year": n(year), "plays": n(plays)})

    def run_sql(self, statement, parameters=None, **kwargs):
        if parameters is not None:
            kwargs["Parameters"] = parameters
        return self.ddb.execute_statement(Statement=statement, **kwargs)

    def error(self, call, **kwargs):
        with self.assertRaises(self.ddb.exceptions.ClientError) as ctx:
            call(**kwargs)
        return ctx.exception.response["Error"]

    def test_select(self):
        out = self.run_sql('SELECT title FROM "pq-songs" WHERE artist = ? AND plays > ?',
                           [s("Ana"), n(6)])
        self.assertEqual(out["Items"], [{"title": s("Alpha")}, {"title": s("Beta")}])
        out = self.run_sql('SELECT * FROM "pq-songs" WHERE artist = \'Ana\' AND title = \'Beta\'')
        self.assertEqual(out["Items"][0]["plays"], n(20))
        out = self.run_sql('SELECT title FROM "pq-songs" WHERE artist = \'Ana\' '
                           'ORDER BY title DESC')
        self.assertEqual([i["title"]["S"] for i in out["Items"]], ["Gamma", "Beta", "Alpha"])
        out = self.run_sql('SELECT title FROM "pq-songs" WHERE artist IN [\'Bo\', \'Cy\']')
        self.assertEqual(sorted(i["title"]["S"] for i in out["Items"]), ["Delta", "Eps"])
        out = self.run_sql('SELECT artist, title FROM "pq-songs"."byYear" WHERE "year" = 2001')
        self.assertEqual(sorted(i["title"]["S"] for i in out["Items"]), ["Beta", "Gamma"])
        # A scan with a filter, read a page at a time.
        titles, token = [], None
        while True:
            kwargs = {"NextToken": token} if token else {}
            out = self.run_sql('SELECT title FROM "pq-songs" WHERE plays BETWEEN 5 AND 20', Limit=2, **kwargs)
            titles += [i["title"]["S"] for i in out["Items"]]
            token = out.get("NextToken")
            if not token:
                break
        self.assertEqual(sorted(titles), ["Alpha", "Beta", "Delta", "Gamma"])

    def test_insert_update_delete(self):
        self.run_sql('INSERT INTO "pq-songs" VALUE {\'artist\': ?, \'title\': ?, \'plays\': 0, '
                     '\'tags\': <<\'new\'>>}', [s("Dee"), s("Zeta")])
        err = self.error(self.run_sql, statement='INSERT INTO "pq-songs" VALUE '
                         '{\'artist\': \'Dee\', \'title\': \'Zeta\'}')
        self.assertEqual((err["Code"], err["Message"]),
                         ("DuplicateItemException", "Duplicate primary key exists in table"))
        out = self.run_sql('UPDATE "pq-songs" SET plays = plays + 1 SET tags = set_add(tags, '
                           '<<\'hot\'>>) WHERE artist = \'Dee\' AND title = \'Zeta\' '
                           'RETURNING ALL NEW *')
        self.assertEqual(out["Items"][0]["plays"], n(1))
        self.assertEqual(sorted(out["Items"][0]["tags"]["SS"]), ["hot", "new"])
        err = self.error(self.run_sql, statement='UPDATE "pq-songs" SET plays = 1 WHERE '
                         'artist = \'Nobody\' AND title = \'None\'')
        self.assertEqual(err["Code"], "ConditionalCheckFailedException")
        err = self.error(self.run_sql, statement='UPDATE "pq-songs" SET plays = 1 WHERE '
                         'artist = \'Dee\'')
        self.assertEqual(err["Message"],
                         "Where clause does not contain a mandatory equality on all key attributes")
        # DELETE of something absent is fine; a WHERE beyond the key must hold.
        self.run_sql('DELETE FROM "pq-songs" WHERE artist = \'Nobody\' AND title = \'None\'')
        err = self.error(self.run_sql, statement='DELETE FROM "pq-songs" WHERE artist = \'Dee\' '
                         'AND title = \'Zeta\' AND plays > 100')
        self.assertEqual(err["Code"], "ConditionalCheckFailedException")
        out = self.run_sql('DELETE FROM "pq-songs" WHERE artist = \'Dee\' AND title = \'Zeta\' '
                           'RETURNING ALL OLD *')
        self.assertEqual(out["Items"][0]["plays"], n(1))
        self.assertNotIn("Item", self.ddb.get_item(TableName="pq-songs", Key={
            "artist": s("Dee"), "title": s("Zeta")}))

    def test_errors(self):
        err = self.error(self.run_sql, statement='SELEC * FROM "pq-songs"')
        self.assertEqual(err["Code"], "ValidationException")
        self.assertTrue(err["Message"].startswith("Statement wasn't well formed"), err["Message"])
        err = self.error(self.run_sql, statement='SELECT * FROM "pq-songs" WHERE artist = ?')
        self.assertEqual(err["Message"],
                         "Number of parameters in request and statement don't match.")
        err = self.error(self.run_sql, statement='SELECT * FROM "no-such-table"')
        self.assertEqual(err["Code"], "ResourceNotFoundException")

    def test_batch_execute_statement(self):
        out = self.ddb.batch_execute_statement(Statements=[
            {"Statement": 'SELECT plays FROM "pq-songs" WHERE artist = ? AND title = ?',
             "Parameters": [s("Ana"), s("Alpha")]},
            {"Statement": 'SELECT plays FROM "pq-songs" WHERE artist = ? AND title = ?',
             "Parameters": [s("Ana"), s("Missing")]},
            {"Statement": 'SELECT * FROM "pq-songs" WHERE artist = \'Ana\''}])
        r = out["Responses"]
        self.assertEqual(r[0], {"TableName": "pq-songs", "Item": {"plays": n(10)}})
        self.assertEqual(r[1], {"TableName": "pq-songs"})
        self.assertEqual(r[2]["Error"]["Code"], "ValidationError")
        out = self.ddb.batch_execute_statement(Statements=[
            {"Statement": 'INSERT INTO "pq-songs" VALUE {\'artist\': \'Eve\', \'title\': \'1\'}'},
            {"Statement": 'INSERT INTO "pq-songs" VALUE {\'artist\': \'Ana\', \'title\': \'Alpha\'}'}])
        self.assertNotIn("Error", out["Responses"][0])
        self.assertEqual(out["Responses"][1]["Error"]["Code"], "DuplicateItem")

    def test_execute_transaction(self):
        self.ddb.execute_transaction(TransactStatements=[
            {"Statement": 'INSERT INTO "pq-songs" VALUE {\'artist\': \'Fay\', \'title\': \'One\', '
                          '\'plays\': 1}'},
            {"Statement": 'UPDATE "pq-songs" SET plays = plays + 100 WHERE artist = \'Cy\' AND '
                          'title = \'Eps\''},
            {"Statement": 'EXISTS(SELECT * FROM "pq-songs" WHERE artist = \'Bo\' AND '
                          'title = \'Delta\')'}])
        got = self.ddb.get_item(TableName="pq-songs", Key={"artist": s("Cy"), "title": s("Eps")})
        self.assertEqual(got["Item"]["plays"], n(101))
        with self.assertRaises(self.ddb.exceptions.TransactionCanceledException) as ctx:
            self.ddb.execute_transaction(TransactStatements=[
                {"Statement": 'INSERT INTO "pq-songs" VALUE {\'artist\': \'Gus\', \'title\': '
                              '\'Two\'}'},
                {"Statement": 'EXISTS(SELECT * FROM "pq-songs" WHERE artist = \'Nobody\' AND '
                              'title = \'x\')'}])
        self.assertEqual([r["Code"] for r in ctx.exception.response["CancellationReasons"]],
                         ["None", "ConditionalCheckFailed"])
        self.assertNotIn("Item", self.ddb.get_item(TableName="pq-songs", Key={
            "artist": s("Gus"), "title": s("Two")}))
        with self.assertRaises(self.ddb.exceptions.TransactionCanceledException) as ctx:
            self.ddb.execute_transaction(TransactStatements=[
                {"Statement": 'INSERT INTO "pq-songs" VALUE {\'artist\': \'Ana\', \'title\': '
                              '\'Alpha\'}'}])
        self.assertEqual(ctx.exception.response["CancellationReasons"],
                         [{"Code": "DuplicateItem",
                           "Message": "Duplicate primary key exists in table"}])
        out = self.ddb.execute_transaction(TransactStatements=[
            {"Statement": 'SELECT plays FROM "pq-songs" WHERE artist = \'Fay\' AND title = \'One\''},
            {"Statement": 'SELECT plays FROM "pq-songs" WHERE artist = \'X\' AND title = \'Y\''}])
        self.assertEqual(out["Responses"], [{"Item": {"plays": n(1)}}, {}])
        err = self.error(self.ddb.execute_statement,
                         Statement='EXISTS(SELECT * FROM "pq-songs" WHERE artist = \'Bo\' AND '
                                   'title = \'Delta\')')
        self.assertEqual(err["Message"],
                         "EXISTS can only be used in ExecuteTransaction write requests.")

    def test_cli(self):
        r = self.sl.aws_cli("dynamodb", "execute-statement", "--statement",
                            'SELECT title FROM "pq-songs" WHERE artist = ?',
                            "--parameters", json.dumps([s("Bo")]))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["Items"], [{"title": s("Delta")}])


if __name__ == "__main__":
    unittest.main()
