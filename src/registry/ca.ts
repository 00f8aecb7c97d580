// PEM helpers: split bundles, describe the CA (subject, notAfter, sha256) for -o json and messages.
import { X509Certificate, createHash } from 'node:crypto';

export interface CAInfo {
  subject: string;
  issuer: string;
  notAfter: string;
  /** SHA-256 fingerprint of the DER, hex with colons (as openssl prints it). */
  sha256: string;
  isCA: boolean;
}

const PEM_RE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function splitPem(pem: string): string[] {
  return pem.match(PEM_RE)?.map((b) => b + '\n') ?? [];
}

export function isPem(pem: string): boolean {
  return splitPem(pem).length > 0;
}

export function describeCert(pem: string): CAInfo {
  const c = new X509Certificate(pem);
  const fp = createHash('sha256').update(c.raw).digest('hex').toUpperCase().match(/../g)!.join(':');
  return {
    subject: c.subject.replace(/\n/g, ', '),
    issuer: c.issuer.replace(/\n/g, ', '),
    notAfter: new Date(c.validTo).toISOString(),
    sha256: fp,
    isCA: c.ca,
  };
}

/** Describes the first certificate of a bundle (the CA regctl cares about). */
export function describeBundle(pem: string): CAInfo | undefined {
  const first = splitPem(pem)[0];
  return first ? describeCert(first) : undefined;
}

/** Keeps only CA certificates of a bundle (drops leaf certificates that sometimes sit in ca bundles), deduplicated. */
export function caOnly(pem: string): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const b of splitPem(pem)) {
    let ca = true;
    try {
      ca = new X509Certificate(b).ca;
    } catch {
      continue;
    }
    const key = b.replace(/\s+/g, '');
    if (ca && !seen.has(key)) {
      seen.add(key);
      out.push(b);
    }
  }
  return out.join('');
}
