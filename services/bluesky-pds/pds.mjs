// A Bluesky PDS and an in-memory PLC directory on loopback, for happybot's tests.
import net from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";

// express listens on every interface: keep both servers on loopback
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" && (args.length === 1 || typeof args[1] === "function")) {
    args.splice(1, 0, "127.0.0.1");
  }
  return listen.apply(this, args);
};

const { PlcServer, Database: PlcDatabase } = await import("@did-plc/server");
const plc = PlcServer.create({ db: PlcDatabase.mock(), port: Number(process.env.PLC_PORT || 0) });
const plcListener = await plc.start();
const plcPort = plcListener.address().port;

const ownDir = !process.env.PDS_DATA_DIRECTORY;
const dataDir = process.env.PDS_DATA_DIRECTORY || mkdtempSync(path.join(tmpdir(), "happybot-pds-"));
const port = Number(process.env.PDS_PORT || 2583);
Object.assign(process.env, {
  PDS_HOSTNAME: "localhost",
  PDS_PORT: String(port),
  PDS_DATA_DIRECTORY: dataDir,
  PDS_BLOBSTORE_DISK_LOCATION: path.join(dataDir, "blobs"),
  PDS_JWT_SECRET: randomBytes(16).toString("hex"),
  PDS_ADMIN_PASSWORD: process.env.PDS_ADMIN_PASSWORD || "admin-pass",
  PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX: randomBytes(32).toString("hex"),
  PDS_DID_PLC_URL: `http://localhost:${plcPort}`,
  PDS_DEV_MODE: "true",
  PDS_INVITE_REQUIRED: "false",
  PDS_SERVICE_HANDLE_DOMAINS: ".test",
  PDS_CRAWLERS: "",
  LOG_ENABLED: "false",
});
const { PDS, envToCfg, envToSecrets, readEnv } = await import("@atproto/pds");
const env = readEnv();
const pds = await PDS.create(envToCfg(env), envToSecrets(env));
await pds.start();
// the line the test fixture waits for
console.log(JSON.stringify({
  ready: true, pds: `http://localhost:${port}`, plc: `http://localhost:${plcPort}`, data: dataDir,
}));

const stop = async () => {
  await pds.destroy();
  await plc.destroy();
  if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
