"""The HTTP gateway: REST (event 1.0, under /{stage}) and HTTP API (event 2.0, at the root)."""
import json
import unittest

from harness import ServerTestCase


class DemoGateway(ServerTestCase):
    APP = "demo"

    def test_http_api_bare_object_becomes_200_json(self):
        status, headers, body = self.sl.gateway_json("GET", "/hello?name=gw")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(body, {"message": "Hello, gw!"})
        self.assertIn("x-amzn-requestid", headers)

    def test_rest_routes_and_warm_state(self):
        status, _, item = self.sl.gateway_json("POST", "/dev/items", json.dumps({"name": "tea"}),
                                               {"content-type": "application/json"})
        self.assertEqual(status, 201)
        status, _, got = self.sl.gateway_json("GET", f"/dev/items/{item['id']}")
        self.assertEqual(status, 200)
        self.assertEqual(got["name"], "tea")
        status, _, missing = self.sl.gateway_json("GET", "/dev/items/nope")
        self.assertEqual(status, 404)

    def test_rest_event_v1_shape(self):
        status, _, event = self.sl.gateway_json(
            "POST", "/dev/echo/a/b%20c?x=1&x=2&y=3", "payload",
            {"content-type": "text/plain", "X-Multi": "one"})
        self.assertEqual(status, 200)
        self.assertEqual(event["resource"], "/echo/{proxy+}")
        self.assertEqual(event["path"], "/echo/a/b%20c")
        self.assertEqual(event["httpMethod"], "POST")
        self.assertEqual(event["pathParameters"], {"proxy": "a/b c"})
        self.assertEqual(event["queryStringParameters"], {"x": "2", "y": "3"})
        self.assertEqual(event["multiValueQueryStringParameters"], {"x": ["1", "2"], "y": ["3"]})
        self.assertEqual(event["headers"]["X-Multi"], "one")
        self.assertEqual(event["multiValueHeaders"]["X-Multi"], ["one"])
        self.assertEqual(event["body"], "payload")
        self.assertFalse(event["isBase64Encoded"])
        ctx = event["requestContext"]
        self.assertEqual(ctx["stage"], "dev")
        self.assertEqual(ctx["resourcePath"], "/echo/{proxy+}")
        self.assertEqual(ctx["identity"]["sourceIp"], "127.0.0.1")
        self.assertIsInstance(ctx["requestTimeEpoch"], int)
        self.assertRegex(ctx["requestId"], r"^[0-9a-f-]{36}$")

    def test_http_event_v2_shape(self):
        status, _, out = self.sl.gateway_json(
            "PUT", "/echo2/deep/path?a=1&a=2&b=", "hi",
            {"content-type": "text/plain", "Cookie": "c1=v1; c2=v2"})
        self.assertEqual(status, 200)
        event = out["event"]
        self.assertEqual(event["version"], "2.0")
        self.assertEqual(event["routeKey"], "ANY /echo2/{proxy+}")
        self.assertEqual(event["rawPath"], "/echo2/deep/path")
        self.assertEqual(event["rawQueryString"], "a=1&a=2&b=")
        self.assertEqual(event["cookies"], ["c1=v1", "c2=v2"])
        self.assertEqual(event["queryStringParameters"], {"a": "1,2", "b": ""})
        self.assertEqual(event["pathParameters"], {"proxy": "deep/path"})
        self.assertEqual(event["requestContext"]["http"]["method"], "PUT")
        self.assertEqual(event["requestContext"]["http"]["sourceIp"], "127.0.0.1")
        self.assertEqual(event["headers"]["content-type"], "text/plain")
        self.assertNotIn("cookie", event["headers"])
        self.assertEqual(event["body"], "hi")
        self.assertEqual(out["context"]["functionName"], "demo-dev-echo2")
        self.assertGreater(out["context"]["remaining"], 0)

    def test_binary_round_trip(self):
        status, headers, png = self.sl.gateway("GET", "/image")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "image/png")
        self.assertTrue(png.startswith(b"\x89PNG\r\n\x1a\n"))
        blob = bytes(range(256)) * 4
        status, headers, back = self.sl.gateway("POST", "/image", blob,
                                                {"content-type": "application/octet-stream"})
        self.assertEqual(status, 200)
        self.assertEqual(back, blob)

    def test_provided_bootstrap(self):
        status, _, body = self.sl.gateway("POST", "/shout", "hello there")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"HELLO THERE")

    def test_unknown_routes(self):
        status, _, body = self.sl.gateway_json("GET", "/dev/nowhere")
        self.assertEqual(status, 403)
        self.assertEqual(body, {"message": "Missing Authentication Token"})
        status, _, body = self.sl.gateway_json("GET", "/nowhere")
        self.assertEqual(status, 404)
        self.assertEqual(body, {"message": "Not Found"})

    def test_cors_preflight_and_headers(self):
        status, headers, _ = self.sl.gateway(
            "OPTIONS", "/hello",
            headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET"})
        self.assertIn(status, (200, 204))
        self.assertIn("access-control-allow-origin", headers)
        self.assertIn("GET", headers.get("access-control-allow-methods", ""))
        status, headers, _ = self.sl.gateway("GET", "/hello",
                                             headers={"Origin": "http://localhost:5173"})
        self.assertIn("access-control-allow-origin", headers)

    def test_rest_cors_preflight(self):
        # items/{id} is an `http` route with `cors: true`.
        status, headers, _ = self.sl.gateway(
            "OPTIONS", "/dev/items/abc",
            headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET"})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("access-control-allow-origin"), "*")
        self.assertIn("GET", headers.get("access-control-allow-methods", ""))
        self.assertIn("Content-Type", headers.get("access-control-allow-headers", ""))

    def test_health(self):
        status, _, raw = self.sl.request("GET", self.sl.aws_url + "/_serverlite/health")
        self.assertEqual(status, 200)
        body = json.loads(raw)
        self.assertEqual(body["status"], "ready")
        self.assertEqual(body["service"], "demo")


class GatewayErrors(ServerTestCase):
    APP = "edge-cases"
    ARGS = ("--gateway-timeout", "0.5")

    def test_function_errors_are_502_rest_and_500_http(self):
        status, _, body = self.sl.gateway_json("GET", "/dev/garbage")
        self.assertEqual((status, body), (502, {"message": "Internal server error"}))
        status, _, body = self.sl.gateway_json("GET", "/boom")
        self.assertEqual((status, body), (500, {"message": "Internal Server Error"}))
        status, _, body = self.sl.gateway_json("GET", "/boom-node")
        self.assertEqual((status, body), (500, {"message": "Internal Server Error"}))

    def test_http_api_infers_a_response_from_a_string(self):
        status, _, body = self.sl.gateway("GET", "/garbage")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body), "this is not a proxy response")

    def test_integration_timeout_is_504(self):
        status, _, body = self.sl.gateway_json("GET", "/dev/slow")
        self.assertEqual(status, 504)
        self.assertEqual(body, {"message": "Endpoint request timed out"})

    def test_crash_is_an_error_and_the_emulator_serves_on(self):
        status, _, _ = self.sl.gateway("GET", "/crash-node")
        self.assertEqual(status, 500)
        status, _, body = self.sl.gateway_json("GET", "/printer")
        self.assertEqual((status, body), (200, {"ok": True}))


if __name__ == "__main__":
    unittest.main()
