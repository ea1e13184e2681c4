"""Handlers of the fuzzing app: they take any event and answer at once, so that an error the
fuzzer sees comes from serverlite, never from here."""
import json
import os


def api(event, context):
    try:
        size = len(json.dumps(event))
    except Exception:  # an event that does not serialise back is still not our failure
        size = -1
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"eventBytes": size})}


def sink(event, context):
    return {"batchItemFailures": []}


def probe(event, context):
    return {"runtimeApi": os.environ.get("AWS_LAMBDA_RUNTIME_API", "")}
