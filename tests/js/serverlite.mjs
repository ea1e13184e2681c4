// Starts the real serverlite binary for a test file and stops it: ephemeral ports, in-memory
// state, 127.0.0.1 only.
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const bin = process.env.SERVERLITE_BIN ?? path.join(root, "build", "test", "serverlite");

export const credentials = { accessKeyId: "test", secretAccessKey: "test" };

export async function startServerlite(app) {
  const config = path.join(root, "fixtures", "apps", app, "serverless.yml");
  const child = spawn(bin, ["up", "-c", config, "--ephemeral", "-p", "0", "-g", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stderr.resume(); // the log is not needed; keep the pipe drained
  const lines = createInterface({ input: child.stdout });
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("serverlite did not get ready")), 60000);
    lines.on("line", (line) => {
      if (line.startsWith("serverlite ready")) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.on("exit", (code) => reject(new Error(`serverlite exited with ${code}`)));
  });
  const fields = Object.fromEntries(ready.split(" ").slice(2).map((f) => f.split("=")));
  return {
    endpoint: fields.aws,
    async stop() {
      child.kill("SIGTERM");
      const [code] = await once(child, "exit");
      return code;
    },
  };
}
