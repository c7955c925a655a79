import { spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join, normalize } from "node:path";

/**
 * A local stand-in for an in-country S3-compatible store, for tests: HTTPS on 127.0.0.1 with a
 * certificate from a throw-away CA (the "in-country CA"), path-style `/<bucket>/<key>`, and the
 * subset of the S3 API the fetch script uses: HEAD (Content-Length) and GET with an optional
 * `Range: bytes=N-`. Every request is logged so tests can see what the script asked for.
 */
export interface S3Subset {
  endpoint: string;
  caFile: string;
  requests: { method: string; path: string; range?: string; authorization?: string }[];
  close(): Promise<void>;
}

function openssl(dir: string, args: string[]): void {
  const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
}

/** A CA and a server certificate for IP 127.0.0.1 signed by it, written under `dir`. */
export function makeCa(dir: string): { caFile: string; key: Buffer; cert: Buffer } {
  openssl(dir, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=in-country test CA"]);
  openssl(dir, ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=127.0.0.1"]);
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
  openssl(dir, ["x509", "-req", "-in", "srv.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "srv.crt", "-days", "2", "-extfile", "san.ext"]);
  return { caFile: join(dir, "ca.crt"), key: readFileSync(join(dir, "srv.key")), cert: readFileSync(join(dir, "srv.crt")) };
}

/** Serves `root/<bucket>/<key>` path-style. */
export async function startS3Subset(root: string, tlsDir: string): Promise<S3Subset> {
  const { caFile, key, cert } = makeCa(tlsDir);
  const requests: S3Subset["requests"] = [];
  const server: Server = createServer({ key, cert }, (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "https://x").pathname);
    const range = req.headers.range;
    const authorization = req.headers.authorization;
    requests.push({ method: req.method ?? "", path, ...(range ? { range } : {}), ...(authorization ? { authorization } : {}) });
    const file = join(root, normalize(path).replace(/^(\.\.[/\\])+/, ""));
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new Error("not a file");
      size = st.size;
    } catch {
      res.writeHead(404, { "content-type": "application/xml" }).end("<Error><Code>NoSuchKey</Code></Error>");
      return;
    }
    if (req.method === "HEAD") {
      res.writeHead(200, { "content-length": size, "accept-ranges": "bytes" }).end();
      return;
    }
    const body = readFileSync(file);
    const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
    if (m) {
      const start = Number(m[1]);
      res
        .writeHead(206, { "content-length": size - start, "content-range": `bytes ${start}-${size - 1}/${size}` })
        .end(body.subarray(start));
      return;
    }
    res.writeHead(200, { "content-length": size }).end(body);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `https://127.0.0.1:${port}`,
    caFile,
    requests,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
