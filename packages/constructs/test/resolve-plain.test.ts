import { createRequire } from "node:module";
import { App, resolvePlainDataDirectly, TerraformStack } from "@sovereign/constructs";
import { DefaultTokenResolver, Fn, Lazy, StringConcat, TerraformLocal, Token, Tokenization } from "cdktf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

type Resolve = (obj: unknown, options: object) => unknown;
const cdktfResolveModule = createRequire(import.meta.url)("cdktf/lib/tokens/private/resolve.js") as {
  resolve: Resolve & { [k: symbol]: Resolve | undefined };
};

expect(resolvePlainDataDirectly()).toBe(true);
// What cdktf's own resolve is, kept on the function that replaced it.
const cdktfOwn = cdktfResolveModule.resolve[Symbol.for("sovereign.cdktfOwnResolve")]!;

const stack = new TerraformStack(new App({ outdir: "/nonexistent", stackTraces: false }), "t");
const local = new TerraformLocal(stack, "l", "x");
const resolver = new DefaultTokenResolver(new StringConcat());

/** Tokens of every encoding cdktf has: string, number, list, map, IResolvable, references, functions. */
const TOKENS: unknown[] = [
  Lazy.stringValue({ produce: () => "lazy" }),
  `pre-${Lazy.stringValue({ produce: () => "mid" })}-post`,
  Lazy.numberValue({ produce: () => 42 }),
  Lazy.listValue({ produce: () => ["a", "b"] }),
  Lazy.anyValue({ produce: () => ({ k: "v", n: [1, undefined, 2] }) }),
  Token.asStringMap(Lazy.anyValue({ produce: () => ({ a: "1" }) })),
  local.asString,
  `${local.asString}/suffix`,
  Fn.join(",", ["a", local.asString]),
  Token.asNumber(local.asNumber),
  `n=${Lazy.numberValue({ produce: () => 7 })}`,
  { nested: Lazy.stringValue({ produce: () => "deep" }) },
];

/** Strings near what cdktf's scans look for: escapes, exponent-like runs, its placeholders. */
const NEAR_TOKENS = [
  "${var.x}",
  "a}b",
  "1e21",
  "node-e2e-test",
  "v1.2e3",
  "-e-",
  "TfToken[",
  "${TfToken[TOKEN.999999]}",
  "String Map Token Value",
  "Any Map Token Value",
  "",
];

const leaf = fc.oneof(
  fc.string(),
  fc.constantFrom(...NEAR_TOKENS),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.constant(new Date(0)),
  fc.constantFrom(...TOKENS),
);

const tree = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: "small" }, leaf, tie("array"), tie("object")),
  array: fc.oneof(fc.array(tie("node"), { maxLength: 4 }), fc.sparseArray(tie("node"), { maxLength: 4 })),
  object: fc.dictionary(fc.oneof(fc.string(), fc.constantFrom(...NEAR_TOKENS)), tie("node"), { maxKeys: 4 }),
})).node;

/** The result, or the error's message, of a resolve. */
function outcome(fn: () => unknown): { value: unknown; json: string | undefined } | { error: string } {
  try {
    const value = fn();
    return { value, json: JSON.stringify(value) };
  } catch (e) {
    return { error: String((e as Error).message) };
  }
}

const viaKit = (obj: unknown, preparing: boolean) => () => Tokenization.resolve(obj, { scope: stack, preparing, resolver });
const viaCdktf = (obj: unknown, preparing: boolean) => () => cdktfOwn(obj, { scope: stack, preparing, resolver, prefix: [] });

describe("resolvePlainDataDirectly", () => {
  it("GIVEN the kit's synth WHEN Tokenization.resolve is called THEN it goes through the replaced entry point", () => {
    expect(cdktfResolveModule.resolve).not.toBe(cdktfOwn);
    expect(resolvePlainDataDirectly()).toBe(true);
    expect(cdktfResolveModule.resolve[Symbol.for("sovereign.cdktfOwnResolve")]).toBe(cdktfOwn);
  });

  it("GIVEN any mix of plain data and tokens WHEN resolved THEN the result (values, key order, sparseness) or the error is cdktf's own", () => {
    fc.assert(
      fc.property(tree, fc.boolean(), (obj, preparing) => {
        const mine = outcome(viaKit(obj, preparing));
        const theirs = outcome(viaCdktf(obj, preparing));
        expect(mine).toStrictEqual(theirs);
      }),
      { numRuns: 2000 },
    );
  });

  it("GIVEN a Kubernetes object with a token in a label WHEN resolved THEN the token is resolved and the rest copied", () => {
    const obj = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "a", labels: { site: local.asString, skip: undefined } },
      data: { list: ["x", undefined, "y"], n: 3 },
    };
    const r = Tokenization.resolve(obj, { scope: stack, preparing: false, resolver });
    expect(r).toStrictEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "a", labels: { site: "${local.l}" } },
      data: { list: ["x", "y"], n: 3 },
    });
    expect(r).toStrictEqual(viaCdktf(obj, false)());
  });

  it.each([
    ["a function", { a: { b: () => 1 } }],
    ["a construct", { a: [stack] }],
    ["a list token inside a string", { a: `x${Token.asList(Lazy.listValue({ produce: () => ["q"] }))[0]}` }],
  ])("GIVEN %s deep in the data WHEN resolved THEN cdktf's own error, naming the same path, is thrown", (_what, obj) => {
    const theirs = outcome(viaCdktf(obj, false));
    expect(theirs).toHaveProperty("error");
    expect(outcome(viaKit(obj, false))).toStrictEqual(theirs);
  });

  it("GIVEN data nested more than 200 keys deep WHEN resolved THEN cdktf's cycle guard refuses it as before", () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < 205; i++) deep = { k: deep };
    const theirs = outcome(viaCdktf(deep, false));
    expect(theirs).toStrictEqual({ error: expect.stringContaining("circular") });
    expect(outcome(viaKit(deep, false))).toStrictEqual(theirs);
  });
});
