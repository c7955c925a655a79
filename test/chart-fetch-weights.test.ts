import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "@sovereign/tools";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

/**
 * The weights init container's script, run for real with sh, sha256sum and tar. Only curl is
 * replaced: a stand-in serves files from a local directory (no network here) and logs each call,
 * so the tests see exactly when the script downloads and what it does with the bytes.
 */
const SCRIPT = join(REPO_ROOT, "charts", "inference-core", "files", "fetch-weights.sh");

const FAKE_CURL = `#!/bin/sh
out=""; url=""
while [ $# -gt 0 ]; do
  case "$1" in
    --output) out="$2"; shift 2 ;;
    --config|--aws-sigv4|--proto|--retry) shift 2 ;;
    --*) shift ;;
    *) url="$1"; shift ;;
  esac
done
echo "$url" >> "$CURL_LOG"
if [ -n "\${CURL_CONFIG_LOG:-}" ]; then cat > "$CURL_CONFIG_LOG"; fi
path="$FAKE_ROOT/\${url#https://}"
[ -f "$path" ] || { echo "curl: (22) 404 $url" >&2; exit 22; }
cat "$path" > "$out"
`;

let dir: string;
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "fetch-weights-"));
  mkdirSync(join(dir, "bin"));
  mkdirSync(join(dir, "cache"));
  mkdirSync(join(dir, "root", "weights.site1.sovereign.example"), { recursive: true });
  writeFileSync(join(dir, "bin", "curl"), FAKE_CURL);
  chmodSync(join(dir, "bin", "curl"), 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function publish(name: string, content: Buffer | string): string {
  writeFileSync(join(dir, "root", "weights.site1.sovereign.example", name), content);
  return `s3://weights.site1.sovereign.example/${name}`;
}

function run(env: Record<string, string>) {
  const r = spawnSync("sh", [SCRIPT], {
    encoding: "utf8",
    env: {
      PATH: `${join(dir, "bin")}:${process.env.PATH}`,
      CACHE_DIR: join(dir, "cache"),
      CURL_LOG: join(dir, "curl.log"),
      FAKE_ROOT: join(dir, "root"),
      ...env,
    },
  });
  return { code: r.status, stderr: r.stderr };
}

const downloads = () =>
  existsSync(join(dir, "curl.log")) ? readFileSync(join(dir, "curl.log"), "utf8").trim().split("\n") : [];

describe("fetch-weights.sh (the weights init container)", () => {
  it("GIVEN weights whose sha256 matches the profile WHEN the script runs THEN it downloads over https and places them under the digest", () => {
    const content = "weights-v1".repeat(1000);
    const uri = publish("m", content);
    const r = run({ WEIGHTS_URI: uri, WEIGHTS_SHA256: sha(content) });
    expect(r.code, r.stderr).toBe(0);
    expect(downloads()).toEqual(["https://weights.site1.sovereign.example/m"]);
    expect(readFileSync(join(dir, "cache", sha(content), "weights"), "utf8")).toBe(content);
  });

  it("GIVEN weights that differ from the profile's sha256 WHEN the script runs THEN it exits 1, names both digests and leaves nothing in the cache", () => {
    const uri = publish("m", "tampered");
    const expected = sha("genuine");
    const r = run({ WEIGHTS_URI: uri, WEIGHTS_SHA256: expected });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`expected ${expected}, got ${sha("tampered")}`);
    expect(readdirSync(join(dir, "cache", expected))).toEqual([]);
  });

  it("GIVEN verified weights already cached WHEN the pod restarts THEN nothing is downloaded", () => {
    const content = "cached";
    const uri = publish("m", content);
    expect(run({ WEIGHTS_URI: uri, WEIGHTS_SHA256: sha(content) }).code).toBe(0);
    const r = run({ WEIGHTS_URI: uri, WEIGHTS_SHA256: sha(content) });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("cache hit");
    expect(downloads()).toHaveLength(1);
  });

  it("GIVEN a cached file that was altered on the volume WHEN the pod restarts THEN it is not trusted and is fetched again", () => {
    const content = "genuine";
    const uri = publish("m", content);
    expect(run({ WEIGHTS_URI: uri, WEIGHTS_SHA256: sha(content) }).code).toBe(0);
    writeFileSync(join(dir, "cache", sha(content), "weights"), "altered");
    expect(run({ WEIGHTS_URI: uri, WEIGHTS_SHA256: sha(content) }).code).toBe(0);
    expect(downloads()).toHaveLength(2);
    expect(readFileSync(join(dir, "cache", sha(content), "weights"), "utf8")).toBe(content);
  });

  it("GIVEN a plain http URI WHEN the script runs THEN it refuses with exit 2 before any download", () => {
    const r = run({ WEIGHTS_URI: "http://weights.site1.sovereign.example/m", WEIGHTS_SHA256: sha("x") });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unsupported URI scheme");
    expect(downloads()).toEqual([]);
  });

  it("GIVEN object-store credentials WHEN the script downloads THEN they reach curl on stdin, not on the command line", () => {
    const content = "private";
    const uri = publish("m", content);
    const r = run({
      WEIGHTS_URI: uri,
      WEIGHTS_SHA256: sha(content),
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "secret-example",
      CURL_CONFIG_LOG: join(dir, "config.log"),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "config.log"), "utf8")).toBe('user = "AKIDEXAMPLE:secret-example"\n');
    expect(readFileSync(SCRIPT, "utf8")).not.toMatch(/--user/);
  });

  it("GIVEN a tar archive of weights WHEN format is tar THEN it is verified and then unpacked for the server", () => {
    const src = join(dir, "src");
    mkdirSync(src);
    writeFileSync(join(src, "config.json"), '{"layers":2}');
    const tarFile = join(dir, "m.tar");
    expect(spawnSync("tar", ["-c", "-f", tarFile, "-C", src, "config.json"]).status).toBe(0);
    const bytes = readFileSync(tarFile);
    const uri = publish("m.tar", bytes);
    const r = run({ WEIGHTS_URI: uri, WEIGHTS_SHA256: sha(bytes), WEIGHTS_FORMAT: "tar" });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "cache", sha(bytes), "model", "config.json"), "utf8")).toBe('{"layers":2}');
  });
});
