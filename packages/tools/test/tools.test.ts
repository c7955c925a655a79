import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { helmBinary, toolBinary } from "../src/index.js";

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
