"""TypeScript handlers (.ts/.mts/.cts): built with esbuild as the Serverless Framework v4 builds
them (build.esbuild honoured), lazily, when a worker starts and the build is older than what it
was built from; source maps make stack traces name TypeScript lines.

esbuild comes from the app's node_modules or from serverlite's cache, where serverlite installs it
with npm on first need. The tests never reach the network: they use the esbuild that
scripts/setup installed into the default cache, and npm only offline."""
import json
import os
import shutil
import tempfile
import time
import unittest

from harness import APPS, Serverlite

FIXTURE = os.path.join(APPS, "typescript")
INSTALLED = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                         "serverlite", "esbuild")


def installed_esbuild():
    return os.path.isfile(os.path.join(INSTALLED, "installed-lock.json"))


class TypeScript(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="serverlite-ts-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.app = os.path.join(self.tmp, "app")
        shutil.copytree(FIXTURE, self.app)
        self.cache = os.path.join(self.tmp, "cache")
        os.makedirs(self.cache)
        # npm may only use what it already has: no test reaches the registry.
        self.env = {"SERVERLITE_CACHE_DIR": self.cache, "npm_config_offline": "true",
                    "npm_config_fetch_retries": "0"}

    def use_installed_esbuild(self):
        if not installed_esbuild():
            self.skipTest(f"no esbuild in {INSTALLED}: run scripts/setup")
        os.symlink(INSTALLED, os.path.join(self.cache, "esbuild"))

    def server(self, **env):
        sl = Serverlite(os.path.join(self.app, "serverless.yml"), env={**self.env, **env})
        sl.start()
        self.addCleanup(sl.stop)
        return sl

    def invoke(self, sl, name, payload=None):
        client = sl.boto3_client("lambda")
        self.addCleanup(client.close)
        res = client.invoke(FunctionName=f"typescript-dev-{name}",
                            Payload=json.dumps(payload or {}).encode())
        return res, json.loads(res["Payload"].read())

    def test_a_typescript_handler_runs_with_build_esbuild_settings(self):
        self.use_installed_esbuild()
        sl = self.server()
        res, body = self.invoke(sl, "hello", {"name": "ts"})
        self.assertNotIn("FunctionError", res, body)
        self.assertEqual(body["message"], "hello, ts")  # from an imported .ts module
        self.assertEqual(body["flavor"], "local-build")  # build.esbuild.define
        self.assertTrue(body["taskRoot"].startswith(os.path.join(self.cache, "build")), body)
        self.assertTrue(body["file"].endswith(os.path.join("src", "hello.cjs")), body)
        self.assertTrue(sl.wait_for_log(lambda l: l.startswith("[hello] built src/hello.ts with")),
                        sl.stderr())
        self.assertNotIn("build: not supported", sl.stderr())  # build.esbuild is read
        # Through the gateway too.
        status, _, text = sl.gateway("GET", "/hello?name=gw")
        self.assertEqual(status, 200, text)
        self.assertEqual(json.loads(text)["message"], "hello, gw")

    def test_stack_traces_name_typescript_lines(self):
        self.use_installed_esbuild()
        sl = self.server()
        res, body = self.invoke(sl, "fail", {"id": "o-1"})
        self.assertEqual(res.get("FunctionError"), "Unhandled")
        self.assertEqual(body["errorMessage"], "order o-1 failed")
        trace = "\n".join(body["trace"])
        self.assertIn(os.path.join(self.app, "src", "fail.ts") + ":9", trace)

    def test_an_mts_handler_is_built_as_an_es_module(self):
        self.use_installed_esbuild()
        sl = self.server()
        res, body = self.invoke(sl, "esm")
        self.assertNotIn("FunctionError", res, body)
        self.assertEqual(body, {"esm": True, "started": True})

    def test_a_compile_error_fails_the_invocation_with_esbuilds_message(self):
        self.use_installed_esbuild()
        sl = self.server()
        res, body = self.invoke(sl, "broken")
        self.assertEqual(res.get("FunctionError"), "Unhandled")
        self.assertEqual(body["errorType"], "Runtime.UserCodeSyntaxError", body)
        self.assertIn("src/broken.ts:3", body["errorMessage"])
        # The others still run.
        res, body = self.invoke(sl, "esm")
        self.assertNotIn("FunctionError", res, body)

    def test_rebuilt_only_when_an_input_changed(self):
        self.use_installed_esbuild()
        sl = self.server()
        self.assertEqual(self.invoke(sl, "hello")[1]["message"], "hello, world")
        sl.stop()
        # Nothing changed: the next run uses the build as it is.
        sl = self.server()
        self.assertEqual(self.invoke(sl, "hello")[1]["message"], "hello, world")
        self.assertFalse(any("built src/hello.ts" in l for l in sl.stderr().splitlines()))
        sl.stop()
        # An imported file (not the entry point) changes: rebuilt.
        time.sleep(0.01)
        greet = os.path.join(self.app, "src", "lib", "greet.ts")
        with open(greet) as f:
            text = f.read()
        with open(greet, "w") as f:
            f.write(text.replace("hello, ", "howdy, "))
        sl = self.server()
        self.assertEqual(self.invoke(sl, "hello")[1]["message"], "howdy, world")
        self.assertTrue(any("built src/hello.ts" in l for l in sl.stderr().splitlines()))

    def test_esbuild_in_the_apps_node_modules_is_used(self):
        self.use_installed_esbuild()
        os.unlink(os.path.join(self.cache, "esbuild"))  # the cache has none now
        modules = os.path.join(self.app, "node_modules")
        os.makedirs(modules)
        for package in os.listdir(os.path.join(INSTALLED, "node_modules")):
            if package in ("esbuild", "@esbuild"):
                os.symlink(os.path.join(INSTALLED, "node_modules", package),
                           os.path.join(modules, package))
        sl = self.server()
        res, body = self.invoke(sl, "hello")
        self.assertNotIn("FunctionError", res, body)
        built = [l for l in sl.stderr().splitlines() if "built src/hello.ts with" in l]
        self.assertEqual(len(built), 1, sl.stderr())
        self.assertIn(modules, built[0])
        self.assertFalse(os.path.exists(os.path.join(self.cache, "esbuild", "node_modules")))

    def test_installed_on_first_need_from_the_lockfile(self):
        # npm is offline: this works when npm's own cache holds the packages (as after
        # scripts/setup), and says why not otherwise.
        sl = self.server()
        res, body = self.invoke(sl, "hello")
        if "FunctionError" in res and "ENOTCACHED" in body.get("errorMessage", ""):
            self.skipTest("npm's cache does not hold esbuild: run scripts/setup")
        self.assertNotIn("FunctionError", res, body)
        self.assertTrue(os.path.isfile(os.path.join(self.cache, "esbuild", "package-lock.json")))
        self.assertTrue(os.path.isfile(os.path.join(self.cache, "esbuild",
                                                    "installed-lock.json")))

    def test_a_clear_message_when_esbuild_cannot_be_installed(self):
        npm_cache = os.path.join(self.tmp, "empty-npm-cache")
        sl = self.server(npm_config_cache=npm_cache)
        res, body = self.invoke(sl, "hello")
        self.assertEqual(res.get("FunctionError"), "Unhandled")
        self.assertEqual(body["errorType"], "Runtime.InvalidEntrypoint")
        message = body["errorMessage"]
        self.assertIn("npm install --save-dev esbuild", message)
        self.assertIn("npm ci --prefix " + os.path.join(self.cache, "esbuild"), message)
        self.assertIn("installing it failed", message)


if __name__ == "__main__":
    unittest.main()
