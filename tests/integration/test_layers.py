"""Lambda layers of the app (`layers:` with a `path:`), as a handler finds them on Lambda: under
/opt (read-only, several merged), python/ (and python/lib/pythonX.Y/site-packages) importable,
nodejs/node_modules requirable, bin/ on PATH; referenced by {Ref: <Key>LambdaLayer}, by name, or
provider.layers."""
import json
import unittest

from harness import ServerTestCase


class Layers(ServerTestCase):
    APP = "layers"

    def call(self, name, payload=b"{}"):
        res = self.client.invoke(FunctionName=f"layers-dev-{name}", Payload=payload)
        body = json.loads(res["Payload"].read())
        self.assertNotIn("FunctionError", res, body)
        return body

    def test_python_imports_from_layers_and_runs_their_tools(self):
        self.assertEqual(self.call("py"), {"shout": "HI!", "extra": "from site-packages",
                                           "tool": "layer-tool ran"})

    def test_node_requires_from_a_layer_named_by_its_name(self):
        self.assertEqual(self.call("node"), {"twice": "abab", "tool": "layer-tool ran"})

    def test_provider_layers_apply_to_a_function_without_its_own(self):
        self.assertEqual(self.call("inherit"), {"twice": "abab", "tool": "layer-tool ran"})

    def skip_without_namespaces(self):
        if "the layers are not under /opt" in self.sl.stderr():
            self.skipTest("this kernel refuses the user namespace /opt is mounted in: "
                          + self.sl.stderr())

    def test_one_layer_is_under_opt(self):
        body = self.call("node", b'{"opt": true}')
        self.skip_without_namespaces()
        self.assertEqual(body["opt"], ["bin", "nodejs", "python"])
        self.assertTrue(body["lib"])

    def test_several_layers_are_merged_under_opt_read_only(self):
        body = self.call("py", b'{"opt": true}')
        self.skip_without_namespaces()
        self.assertEqual(body["opt"], {"entries": ["bin", "nodejs", "python"], "common": True,
                                       "extra": True, "writable": False,
                                       "tool": "layer-tool ran"})

    def test_a_layer_arn_from_outside_the_app_is_named_in_one_warning(self):
        arn = "arn:aws:lambda:us-east-1:123456789012:layer:outside-layer:3"
        warnings = [l for l in self.sl.stderr().splitlines() if arn in l]
        self.assertEqual(len(warnings), 1, self.sl.stderr())
        self.assertIn("functions.node.layers[1]", warnings[0])


if __name__ == "__main__":
    unittest.main()
