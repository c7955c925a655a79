/**
 * Makes untrusted text safe to print on a terminal: C0 and C1 control characters, DEL, and the
 * Unicode bidirectional overrides are shown as escapes (`\x1b`, `\u202e`), so a member name or a
 * message cannot move the cursor, recolour, rewrite a line or reorder what the user reads. Tabs
 * are escaped too (they can align a fake column). Every name and message the CLI prints from an
 * input goes through here.
 */
export function printable(s: string): string {
  // biome-ignore lint: control characters are the point of this pattern
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u${n.toString(16).padStart(4, "0")}`;
  });
}
