"""Lambda layers of the app (`layers:` with a `path:`), as a handler finds them on Lambda under
/opt: python/ (and python/lib/pythonX.Y/site-packages) importable, nodejs/node_modules
requirable, bin/ on PATH; referenced by {Ref: <Key>LambdaLayer}, by name, or provider.layers."""
import json
import unittest

from harness import ServerTestCase


class Layers(ServerTestCase):
    APP = "layers"

    def call(self, name):
        res = self.client.invoke(FunctionName=f"layers-dev-{name}", Payload=b"{}")
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

    def test_a_layer_arn_from_outside_the_app_is_named_in_one_warning(self):
        arn = "arn:aws:lambda:us-east-1:123456789012:layer:outside-layer:3"
        warnings = [l for l in self.sl.stderr().splitlines() if arn in l]
        self.assertEqual(len(warnings), 1, self.sl.stderr())
        self.assertIn("functions.node.layers[1]", warnings[0])


if __name__ == "__main__":
    unittest.main()
