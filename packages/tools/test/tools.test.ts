import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { helmBinary, REPO_ROOT, SHORT_RUN_GO_GC, shortRunEnv, toolBinary } from "../src/index.js";

describe("tool binaries from the npm package", () => {
  it("GIVEN a fresh install WHEN helm is requested THEN a runnable helm 4 is returned", () => {
    const out = execFileSync(helmBinary(), ["version", "--short"], { encoding: "utf8" });
    expect(out).toMatch(/^v4\./);
  });

  it("GIVEN SOVEREIGN_HELM WHEN helm is requested THEN the override wins", () => {
    expect(toolBinary("helm", { SOVEREIGN_HELM: "/opt/custom/helm" })).toBe("/opt/custom/helm");
  });

  it("GIVEN the packaged kubectl WHEN run THEN it reports client version 1.35", () => {
    const out = execFileSync(toolBinary("kubectl"), ["version", "--client", "-o", "json"], {
      encoding: "utf8",
    });
    expect(JSON.parse(out).clientVersion.minor).toBe("35");
  });
});

describe("the Go collector settings of a short helm run", () => {
  it("GIVEN an environment that does not tune Go WHEN shortRunEnv THEN the collector is off up to the soft limit and every other variable is kept", () => {
    const env = shortRunEnv({ PATH: "/usr/bin", HOME: "/home/x" });
    expect(env).toEqual({ PATH: "/usr/bin", HOME: "/home/x", GOGC: "off", GOMEMLIMIT: "256MiB" });
  });

  it.each([{ GOGC: "50" }, { GOMEMLIMIT: "1GiB" }])(
    "GIVEN the caller tunes the collector (%o) WHEN shortRunEnv THEN the environment is left as it is",
    (tuned) => {
      const given = { PATH: "/usr/bin", ...tuned };
      expect(shortRunEnv(given)).toBe(given);
    },
  );

  it("GIVEN the kit's chart WHEN helm template runs with and without the settings THEN it prints the same bytes", () => {
    const chart = join(REPO_ROOT, "charts", "inference-core");
    const run = (env: NodeJS.ProcessEnv) =>
      execFileSync(helmBinary(), ["template", "r", chart, "--namespace", "serving", "-f", join(chart, "ci", "example-values.yaml")], {
        encoding: "utf8",
        env,
      });
    const plain = { ...process.env };
    delete plain.GOGC;
    delete plain.GOMEMLIMIT;
    const tuned = shortRunEnv(plain);
    expect(tuned.GOGC).toBe(SHORT_RUN_GO_GC.GOGC);
    const out = run(tuned);
    expect(out).toContain("kind: Deployment");
    expect(out).toBe(run(plain));
  });
});
