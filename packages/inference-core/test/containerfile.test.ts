import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { inferenceCoreDir, VLLM_RECORD } from "../src/index.js";

// No container engine on CI machines: the image build itself is not run here. These checks pin
// the properties a build would otherwise be trusted to have.
interface Instruction {
  op: string;
  args: string;
  line: number;
}

function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i]!;
    if (/^\s*(#|$)/.test(l)) continue;
    const start = i + 1;
    while (l.endsWith("\\") && i + 1 < lines.length) l = `${l.slice(0, -1)} ${lines[++i]!.trim()}`;
    const m = /^\s*([A-Z]+)\s+(.*)$/.exec(l);
    if (m) out.push({ op: m[1]!, args: m[2]!.trim(), line: start });
  }
  return out;
}

const text = readFileSync(join(inferenceCoreDir(), "Containerfile"), "utf8");
const ins = instructions(text);

describe("Containerfile (static checks; the image build is not run here)", () => {
  it("GIVEN every FROM WHEN read THEN it is the in-country REGISTRY, an image and a digest arg, or an earlier stage", () => {
    const froms = ins.filter((i) => i.op === "FROM");
    expect(froms.length).toBeGreaterThanOrEqual(3);
    const stages: string[] = [];
    const globalArgs = new Map(
      ins
        .slice(
          0,
          ins.findIndex((i) => i.op === "FROM"),
        )
        .filter((i) => i.op === "ARG")
        .map((i) => {
          const [name, value] = i.args.split("=");
          return [name!, value] as const;
        }),
    );
    for (const f of froms) {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(f.args);
      expect(m, `line ${f.line}`).not.toBeNull();
      const ref = m![1]!;
      if (!stages.includes(ref)) {
        const pinned = /^\$\{REGISTRY\}\/\$\{([A-Z_]+)\}@\$\{([A-Z_]+_DIGEST)\}$/.exec(ref);
        expect(
          pinned,
          `FROM at line ${f.line} must be \${REGISTRY}/\${IMAGE}@\${..._DIGEST}: ${ref}`,
        ).not.toBeNull();
        // The digest args have no default: a build must name them (an empty value fails the FROM).
        expect(globalArgs.has(pinned![2]!)).toBe(true);
        expect(globalArgs.get(pinned![2]!)).toBeUndefined();
        expect(globalArgs.has("REGISTRY") && globalArgs.get("REGISTRY") === undefined).toBe(true);
        expect(globalArgs.has(pinned![1]!)).toBe(true);
      }
      if (m![2]) stages.push(m![2]);
    }
  });

  it("GIVEN the final stage WHEN read THEN it runs as non-root 65532 and carries the suite and the CLI", () => {
    const lastFrom = ins.map((i) => i.op).lastIndexOf("FROM");
    const final = ins.slice(lastFrom);
    const users = final.filter((i) => i.op === "USER");
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)!.args).toBe("65532:65532");
    expect(ins.filter((i) => i.op === "USER").every((u) => !/^(root|0)(:|$)/.test(u.args))).toBe(true);
    const copies = final.filter((i) => i.op === "COPY").map((i) => i.args);
    expect(
      copies.some((c) => /kernel-suite-cpu .*kernel-suite-cuda .*\/opt\/sovereign\/bin\/$/.test(c)),
    ).toBe(true);
    expect(copies.some((c) => c.endsWith("/opt/sovereign/bin/kernel-suite"))).toBe(true);
    expect(copies.some((c) => c.endsWith("/opt/sovereign/bin/sovereign"))).toBe(true);
  });

  it("GIVEN every instruction WHEN read THEN no secret travels as an ARG/ENV and nothing is fetched from the internet", () => {
    for (const i of ins.filter((x) => x.op === "ARG" || x.op === "ENV")) {
      expect(i.args, `line ${i.line}`).not.toMatch(/(TOKEN|PASSWORD|SECRET|API_KEY|CREDENTIAL)/i);
    }
    for (const i of ins) {
      expect(i.op, `line ${i.line}`).not.toBe("ADD");
      // curl/wget invoked with options or a URL would download; naming them (a presence check) does not.
      expect(i.args, `line ${i.line}`).not.toMatch(/\b(curl|wget)\s+(-|\S*:\/\/)|https?:\/\/(?!\[)/);
    }
  });

  it("GIVEN the build stage WHEN read THEN both backends are built and the CPU self-test gates the image", () => {
    const run = ins.filter((i) => i.op === "RUN").map((i) => i.args);
    expect(run.some((r) => /make BUILD=\/out .* cpu cuda/.test(r) && r.includes("--self-test"))).toBe(true);
  });
});

describe("Containerfile: the engine base", () => {
  it("GIVEN the final stage WHEN read THEN it is the mirrored vLLM OpenAI server image pinned by a digest argument without default", () => {
    const lastFrom = ins.filter((i) => i.op === "FROM").at(-1)!;
    expect(lastFrom.args).toBe("${REGISTRY}/${VLLM_OPENAI_IMAGE}@${VLLM_OPENAI_DIGEST}");
    const args = ins.filter((i) => i.op === "ARG").map((i) => i.args);
    expect(args).toContain("VLLM_OPENAI_IMAGE=mirror/vllm/vllm-openai");
    expect(args).toContain("VLLM_OPENAI_DIGEST");
    expect(text).toContain(`vllm/vllm-openai:${VLLM_RECORD.version}`);
  });

  it("GIVEN the final stage WHEN read THEN it checks the tools the chart runs and keeps the base's PATH", () => {
    const lastFrom = ins.map((i) => i.op).lastIndexOf("FROM");
    const final = ins.slice(lastFrom);
    const check = final.find((i) => i.op === "RUN")!.args;
    for (const tool of [VLLM_RECORD.command[0]!, "curl", "sha256sum", "find"]) expect(check).toContain(tool);
    const env = final.filter((i) => i.op === "ENV").map((i) => i.args).join(" ");
    expect(env).toMatch(/PATH=\/opt\/sovereign\/bin:\/opt\/sovereign\/node\/bin:\$\{PATH\}/);
  });
});
