// Verifies a server's certificate chain (as sent, leaf first) against a set of trust anchors: host name,
// validity dates, and a signature path from the leaf to an anchor through the certificates sent.
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

export interface ChainVerdict {
  ok: boolean;
  error?: string;
}

function parse(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const out: X509Certificate[] = [];
  for (const b of blocks) {
    try {
      out.push(new X509Certificate(b));
    } catch {
      /* not a certificate: ignore */
    }
  }
  return out;
}

function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

export function verifyChain(chainPems: string[], anchorsPem: string, host: string, now = new Date()): ChainVerdict {
  const chain = chainPems.flatMap(parse);
  const anchors = parse(anchorsPem);
  const leaf = chain[0];
  if (!leaf) return { ok: false, error: 'the server sent no certificate' };
  if (!anchors.length) return { ok: false, error: 'no CA certificate to verify with' };
  const bare = host.replace(/:\d+$/, '');
  if (!(isIP(bare) ? leaf.checkIP(bare) : leaf.checkHost(bare))) return { ok: false, error: `the certificate is not valid for ${bare} (${leaf.subjectAltName ?? leaf.subject.replace(/\n/g, ', ')})` };
  const used = new Set<X509Certificate>();
  let cur = leaf;
  for (let depth = 0; depth < 10; depth++) {
    if (new Date(cur.validTo) < now) return { ok: false, error: `certificate ${cur.subject.replace(/\n/g, ', ')} expired on ${new Date(cur.validTo).toISOString()}` };
    if (new Date(cur.validFrom) > now) return { ok: false, error: `certificate ${cur.subject.replace(/\n/g, ', ')} is not valid before ${new Date(cur.validFrom).toISOString()}` };
    if (anchors.some((a) => a.fingerprint256 === cur.fingerprint256 || signedBy(cur, a))) return { ok: true };
    used.add(cur);
    const next = chain.find((c) => !used.has(c) && signedBy(cur, c));
    if (!next) return { ok: false, error: `unable to get the issuer of ${cur.subject.replace(/\n/g, ', ')} (${cur.issuer.replace(/\n/g, ', ')})` };
    cur = next;
  }
  return { ok: false, error: 'certificate chain too long' };
}

/** Days until the leaf expires (negative when expired). */
export function daysLeft(leafPem: string, now = new Date()): number {
  const c = parse(leafPem)[0];
  return c ? Math.floor((Date.parse(c.validTo) - now.getTime()) / 86_400_000) : NaN;
}
