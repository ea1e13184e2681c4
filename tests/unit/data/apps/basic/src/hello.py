def main(event, context):
    return {"statusCode": 200, "body": "hello"}
