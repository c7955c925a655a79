import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hasTraining, synthesizeCountry } from "../index.js";
import { cleanup, SHIPPED, shipped, tempDir } from "./helpers.js";

afterAll(cleanup);

describe.each(SHIPPED)("synthesizeCountry(%s)", (cc) => {
  it("GIVEN the shipped profile WHEN synthesized THEN cdktf's layout holds its stacks (crds and training with a training pool) with explicit dependencies", async () => {
    const out = join(tempDir(), "cdktf.out");
    const result = await synthesizeCountry(shipped(cc), out);
    expect(result.stacks.map((s) => s.name)).toEqual([
      `${cc}-platform`,
      `${cc}-gpu`,
      `${cc}-storage`,
      `${cc}-serving`,
      ...(hasTraining(shipped(cc)) ? [`${cc}-crds`, `${cc}-training`] : []),
    ]);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(manifest.stacks[`${cc}-gpu`].dependencies).toEqual([`${cc}-platform`]);
    expect(manifest.stacks[`${cc}-storage`].dependencies).toEqual([`${cc}-platform`]);
    expect([...manifest.stacks[`${cc}-serving`].dependencies].sort()).toEqual([`${cc}-gpu`, `${cc}-storage`]);
    for (const s of result.stacks) expect(existsSync(join(out, s.file))).toBe(true);
  });
});
