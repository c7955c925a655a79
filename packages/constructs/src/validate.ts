import { InputError, type Issue, isDnsLabel } from "@sovereign/diagnostics";
import { parseCidr } from "@sovereign/profile";
import type { IConstruct } from "./cdktf.js";

/** One failed check of a construct prop: which prop, what is wrong with its value, how to fix it. */
export interface PropProblem {
  /** Prop path inside the props object, e.g. `["quota", "gpus"]`. */
  prop: (string | number)[];
  /** What is wrong, naming the value. */
  message: string;
  /** How to fix it. */
  hint: string;
}

/**
 * Collects every problem of a construct's props and throws them together, located by the
 * construct path (so a stack author sees all mistakes in one run, not one per run).
 */
export class PropChecks {
  private readonly problems: PropProblem[] = [];

  /** Records a problem when `ok` is false. */
  require(ok: boolean, prop: (string | number)[], message: string, hint: string): this {
    if (!ok) this.problems.push({ prop, message, hint });
    return this;
  }

  /**
   * Records a problem when `value` is not an RFC 1123 label, the form of every Kubernetes object
   * (and namespace) name the constructs create.
   */
  label(value: string, prop: (string | number)[], what = "name"): this {
    return this.require(
      isDnsLabel(value),
      prop,
      `${what} ${JSON.stringify(value)} is not an RFC 1123 label`,
      "use lowercase letters, digits and '-' (at most 63, starting and ending alphanumeric)",
    );
  }

  /**
   * Records a problem for an empty egress list and for each entry that is not a CIDR: egress is
   * default-deny, so these are the only networks a tenant's pods can reach.
   */
  egressCidrs(cidrs: readonly string[], prop: string = "egressCidrs"): this {
    this.require(
      cidrs.length > 0,
      [prop],
      "no egress CIDR given: pods could reach only DNS",
      "pass the profile's sites[].egressCidrs",
    );
    for (const [i, c] of cidrs.entries()) {
      this.require(
        parseCidr(c) !== null,
        [prop, i],
        `${JSON.stringify(c)} is not a CIDR`,
        "write e.g. 192.0.2.0/24 or 2001:db8::/48",
      );
    }
    return this;
  }

  /** Throws an InputError naming the construct when any check failed. */
  throwIfAny(scope: IConstruct, kind: string): void {
    if (this.problems.length === 0) return;
    const where = scope.node.path;
    throw new InputError(
      this.problems.map(
        (p): Issue => ({
          code: `construct.${kind}`,
          path: p.prop,
          file: where,
          message: `${kind}: ${p.message}`,
          hint: p.hint,
        }),
      ),
    );
  }
}

// The naming and image rules are the kit's one copy in @sovereign/diagnostics.
export { isDnsLabel, isPinnedImage } from "@sovereign/diagnostics";
