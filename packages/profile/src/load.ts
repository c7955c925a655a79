import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import {
  assetPath,
  InputError,
  type Issue,
  parseYamlSource,
  readYamlSource,
  UsageError,
  type YamlSource,
} from "@sovereign/diagnostics";
import { crossCheck } from "./checks.js";
import { type CountryProfile, countryProfileSchema } from "./schema.js";

/** Validates a parsed YAML source. Returns the profile, or throws InputError with every issue located. */
export function validateProfileSource(src: ReturnType<typeof parseYamlSource>): CountryProfile {
  const profile = src.parse(countryProfileSchema);
  const cross = crossCheck(profile).map((i: Issue) => src.place(i));
  if (cross.length > 0) throw new InputError(cross);
  return profile;
}

/** Parses and validates profile YAML text. `file` is used in messages only. */
export function parseProfile(text: string, file = "<profile>"): CountryProfile {
  return validateProfileSource(parseYamlSource(text, file));
}

/** A profile read once: the validated value and the exact bytes it was validated from. */
export interface ProfileInput {
  profile: CountryProfile;
  /** The file's bytes as read (a command that stores the profile stores these, never a re-read). */
  bytes: Buffer;
  sha256: string;
  /** The parsed document, for placing later findings at their line without reading the file again. */
  source: YamlSource;
}

/**
 * Loads and validates a profile file, reading it once (regular file, at most `limit` bytes).
 */
export function loadProfileInput(
  path: string,
  o: { limit?: number; /** @default the path relative to the process's directory */ displayName?: string } = {},
): ProfileInput {
  const shown = relative(process.cwd(), path) || path;
  const src = readYamlSource(path, o.displayName ?? (shown.startsWith("..") ? path : shown), o);
  return { profile: validateProfileSource(src), bytes: src.bytes, sha256: src.sha256, source: src };
}

/** Loads and validates a profile file. */
export function loadProfileFile(path: string): CountryProfile {
  return loadProfileInput(path).profile;
}

/** Directory of the shipped profiles (`stacks/countries`). */
export function countriesDir(): string {
  return assetPath("stacks", "countries");
}

/** Path of a shipped profile; a usage error listing the shipped codes if there is none. */
export function shippedProfilePath(cc: string, dir = countriesDir()): string {
  if (!/^[a-z]{2}$/.test(cc)) {
    throw new UsageError(
      `--country ${JSON.stringify(cc)} is not a lowercase two-letter code`,
      "e.g. --country th",
    );
  }
  const p = join(dir, `${cc}.yaml`);
  if (!existsSync(p)) {
    throw new UsageError(
      `no shipped profile for country ${JSON.stringify(cc)} in ${relative(process.cwd(), dir) || dir}`,
      "create one with `sovereign init <cc>` or pass --profile <file>",
    );
  }
  return p;
}
