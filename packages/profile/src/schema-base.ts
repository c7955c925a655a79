import { DNS_LABEL } from "@sovereign/diagnostics";
import { z } from "zod";
import { isQuantity } from "./quantity.js";

/** Schemas shared by the profile's files (one rule per concept). */

const HEX64 = /^[0-9a-f]{64}$/;

/** Kubernetes object name (RFC 1123 label): what every named thing here becomes. */
export const nameSchema = z
  .string()
  .regex(
    DNS_LABEL,
    "must be a lowercase RFC 1123 label (a-z, 0-9, '-', at most 63) | fix: e.g. `bkk1` or `h100-serve`",
  );

/** Kubernetes quantity such as `500Gi` or `2Ti`. */
export const quantitySchema = z
  .string()
  .refine(
    isQuantity,
    "is not a Kubernetes quantity | fix: write a number with an optional suffix, e.g. 500Gi or 2Ti",
  );

/** A lowercase hex sha256. */
export const sha256Schema = z
  .string()
  .regex(
    HEX64,
    "must be 64 lowercase hex characters (a sha256) | fix: run `sha256sum <file>` and paste the hex digest",
  );
