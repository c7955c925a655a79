/**
 * A strict streaming tar reader for bundle archives. It never writes to disk; it hands each regular
 * file's bytes to a consumer and refuses anything a bundle never contains and an attacker might use
 * on extraction: absolute paths, `..`, links, devices, FIFOs, duplicate names, sizes that run past
 * the archive, corrupt headers and bytes after the end-of-archive marker.
 */

/** An unsafe or malformed archive; `entry` names the offending member when there is one. */
export class TarSafetyError extends Error {
  constructor(
    readonly entry: string,
    message: string,
  ) {
    super(`${entry}: ${message}`);
    this.name = "TarSafetyError";
  }
}

export interface TarFileConsumer {
  update(chunk: Buffer): void;
  end(): void;
}

export interface TarReadOptions {
  /** Total archive size when known (uncompressed tar file): sizes past it are refused up front. */
  archiveSize?: number;
  /** Called for each regular file. */
  onFile(name: string, size: number): TarFileConsumer;
  /** Called for each directory entry (name without trailing slash). */
  onDir?(name: string): void;
  /**
   * The archive ends exactly at the next multiple of this many bytes after its end marker (the
   * record padding a writer adds): nothing may follow, not even zeros. @default no limit
   */
  recordEnd?: number;
}

const BLOCK = 512;

function cstring(b: Buffer, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const z = s.indexOf(0);
  return s.subarray(0, z < 0 ? len : z).toString("utf8");
}

function parseNumber(b: Buffer, off: number, len: number, entry: string, field: string): number {
  if (b[off]! & 0x80) {
    // GNU base-256: big-endian two's complement; negative values are never valid here.
    if (b[off]! & 0x40) throw new TarSafetyError(entry, `negative ${field} in header`);
    let v = BigInt(b[off]! & 0x3f);
    for (let i = off + 1; i < off + len; i++) v = (v << 8n) | BigInt(b[i]!);
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new TarSafetyError(entry, `oversized ${field} ${v} in header`);
    return Number(v);
  }
  const s = cstring(b, off, len).trim();
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s))
    throw new TarSafetyError(entry, `malformed ${field} field ${JSON.stringify(s)} in header`);
  const n = Number.parseInt(s, 8);
  if (!Number.isSafeInteger(n)) throw new TarSafetyError(entry, `oversized ${field} in header`);
  return n;
}

function checksumOk(h: Buffer, entry: string): boolean {
  const stored = parseNumber(h, 148, 8, entry, "checksum");
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  // The field itself is ustar's "six octal digits, NUL, space": a changed terminator is a changed
  // header even though the sum (which counts the field as spaces) cannot see it.
  const canonical = h.toString("latin1", 148, 156) === `${stored.toString(8).padStart(6, "0")}\0 `;
  return sum === stored && canonical;
}

const TYPE_NAMES: Record<string, string> = {
  "1": "hard link",
  "2": "symbolic link",
  "3": "character device",
  "4": "block device",
  "6": "FIFO",
  "7": "contiguous file",
  x: "pax extended header",
  g: "pax global header",
  L: "GNU long name",
  K: "GNU long link name",
  S: "GNU sparse file",
};

/** Rejects names that could land outside the extraction directory or collide after normalising. */
export function checkEntryName(name: string): string | undefined {
  if (name === "") return "empty entry name";
  if (name.includes("\0")) return "NUL byte in entry name";
  // biome-ignore lint: control characters are what is refused
  // eslint-disable-next-line no-control-regex
  if (/[\x01-\x1f\x7f-\x9f]/.test(name)) return "control character in entry name";
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) return "absolute path";
  if (name.includes("\\")) return "backslash in entry name";
  const segs = name.replace(/\/$/, "").split("/");
  if (segs.includes("..")) return "path traversal (`..`)";
  if (segs.some((s) => s === "" || s === ".")) return "non-canonical path (empty or `.` segment)";
  return undefined;
}

/** Reads an archive stream to its end, enforcing every rule above. */
export async function readTar(source: AsyncIterable<Buffer>, opts: TarReadOptions): Promise<void> {
  const header = Buffer.alloc(BLOCK);
  let fill = 0;
  let offset = 0; // bytes consumed so far
  let state = "header" as "header" | "data" | "pad" | "end";
  let remaining = 0;
  let padding = 0;
  let zeroBlocks = 0;
  let endAt = 0;
  let current = "";
  let consumer: TarFileConsumer | undefined;
  const seen = new Set<string>();

  const onHeader = () => {
    const entryAt = `entry at offset ${offset - BLOCK}`;
    if (header.every((b) => b === 0)) {
      zeroBlocks++;
      if (zeroBlocks === 2) {
        state = "end";
        endAt = offset;
      }
      return;
    }
    if (zeroBlocks > 0)
      throw new TarSafetyError(entryAt, "entry after a zero block (archive spliced or appended)");
    const prefix = cstring(header, 345, 155);
    const magic = header.subarray(257, 263).toString("latin1");
    const base = cstring(header, 0, 100);
    const name = magic === "ustar\0" && prefix ? `${prefix}/${base}` : base;
    const label = name || entryAt;
    if (!checksumOk(header, label))
      throw new TarSafetyError(label, "header checksum mismatch (corrupt header)");
    if (magic !== "ustar\0" && magic !== "ustar ") throw new TarSafetyError(label, "not a ustar header");
    const typeflag = String.fromCharCode(header[156]!);
    const bad = checkEntryName(name);
    if (bad) throw new TarSafetyError(label, `refused: ${bad}`);
    if (typeflag !== "0" && typeflag !== "\0" && typeflag !== "5") {
      const what = TYPE_NAMES[typeflag] ?? `entry type ${JSON.stringify(typeflag)}`;
      const link = cstring(header, 157, 100);
      throw new TarSafetyError(
        label,
        `refused: ${what}${link ? ` -> ${link}` : ""}; bundles contain only regular files and directories`,
      );
    }
    const size = parseNumber(header, 124, 12, label, "size");
    const key = name.replace(/\/$/, "");
    if (seen.has(key))
      throw new TarSafetyError(label, "refused: duplicate entry (a later copy would overwrite the first)");
    seen.add(key);
    if (typeflag === "5") {
      if (size !== 0) throw new TarSafetyError(label, `directory entry with size ${size}`);
      opts.onDir?.(key);
      return;
    }
    if (opts.archiveSize !== undefined && size > opts.archiveSize - offset) {
      throw new TarSafetyError(
        label,
        `header declares ${size} bytes but only ${Math.max(0, opts.archiveSize - offset)} remain in the archive (oversized or truncated)`,
      );
    }
    current = label;
    consumer = opts.onFile(key, size);
    remaining = size;
    padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) {
      consumer.end();
      consumer = undefined;
    } else state = "data";
  };

  for await (const chunk of source) {
    let off = 0;
    while (off < chunk.length) {
      if (state === "data") {
        const n = Math.min(remaining, chunk.length - off);
        consumer!.update(chunk.subarray(off, off + n));
        off += n;
        offset += n;
        remaining -= n;
        if (remaining === 0) {
          consumer!.end();
          consumer = undefined;
          state = padding > 0 ? "pad" : "header";
        }
      } else if (state === "pad") {
        const n = Math.min(padding, chunk.length - off);
        // Padding is zero in archives this kit writes; anything else is a modified archive.
        for (let i = off; i < off + n; i++) {
          if (chunk[i] !== 0)
            throw new TarSafetyError(
              current,
              `non-zero padding after the entry at offset ${offset + i - off}`,
            );
        }
        off += n;
        offset += n;
        padding -= n;
        if (padding === 0) state = "header";
      } else if (state === "header") {
        const n = Math.min(BLOCK - fill, chunk.length - off);
        chunk.copy(header, fill, off, off + n);
        fill += n;
        off += n;
        offset += n;
        if (fill === BLOCK) {
          fill = 0;
          onHeader();
        }
      } else {
        const rest = chunk.subarray(off);
        if (opts.recordEnd !== undefined) {
          const limit = Math.ceil(endAt / opts.recordEnd) * opts.recordEnd;
          if (offset + rest.length > limit)
            throw new TarSafetyError(
              "(end of archive)",
              `${offset + rest.length - limit} byte(s) past the end of the archive's last record (appended data)`,
            );
        }
        if (!rest.every((b) => b === 0)) {
          throw new TarSafetyError(
            "(end of archive)",
            `non-zero bytes after the end-of-archive marker at offset ${offset + rest.findIndex((b) => b !== 0)} (appended data)`,
          );
        }
        offset += rest.length;
        off = chunk.length;
      }
    }
  }
  if (state === "data" || state === "pad") {
    throw new TarSafetyError(
      current,
      `truncated archive: entry ends early (${remaining} of its bytes missing)`,
    );
  }
  if (state !== "end") {
    throw new TarSafetyError(
      "(end of archive)",
      fill > 0
        ? "truncated archive: partial header at the end"
        : "truncated archive: no end-of-archive marker",
    );
  }
}
