// PEM CA bundles: parsed with node:crypto X509Certificate; private keys, empty and non-PEM input refused.
import { X509Certificate } from 'node:crypto';
import { UsageError } from '../errors.js';

export interface CertSummary {
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  /** SHA-256 of the DER, upper-case hex with colons (as openssl prints it). */
  sha256: string;
  isCA: boolean;
  selfSigned: boolean;
  expired: boolean;
  notYetValid: boolean;
}

export interface CABundle {
  /** Every CERTIFICATE block of the input, re-encoded, in order (text between blocks dropped). */
  pem: string;
  certs: CertSummary[];
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
/** A ConfigMap holds at most 1 MiB in total. */
export const MAX_CONFIGMAP_BYTES = 1024 * 1024;

/** Parses a CA file's content. `source` names it in errors (a file path or "server chain"). */
export function parseCABundle(content: string | Buffer, source: string, now = new Date()): CABundle {
  const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  if (buf.length === 0 || buf.toString('utf8').trim() === '') {
    throw new UsageError(`${source} is empty`, 'give a PEM file with at least one "-----BEGIN CERTIFICATE-----" block');
  }
  if (buf.length > MAX_CONFIGMAP_BYTES) {
    throw new UsageError(`${source} is larger than 1 MiB, the size limit of a ConfigMap`, 'give only the CA certificates the registry needs');
  }
  const text = buf.toString('utf8');
  if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text)) {
    throw new UsageError(`${source} contains a private key`, 'give only the CA certificate (the public part); never upload private keys to the cluster');
  }
  const blocks = [...text.matchAll(BLOCK)];
  if (blocks.length === 0) {
    const der = looksLikeDER(buf);
    throw new UsageError(
      `${source} is not a PEM certificate${der ? ' (it looks like DER)' : ''}`,
      der ? `convert it: openssl x509 -inform der -in ${source} -out ca.pem` : 'give a PEM file with "-----BEGIN CERTIFICATE-----" blocks',
    );
  }
  const certs: CertSummary[] = [];
  const pems: string[] = [];
  blocks.forEach((m, i) => {
    const label = m[1]!;
    if (label !== 'CERTIFICATE') {
      throw new UsageError(`${source}: block ${i + 1} is a ${label}, not a CERTIFICATE`, 'give only CA certificates');
    }
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(`-----BEGIN CERTIFICATE-----${m[2]}-----END CERTIFICATE-----\n`);
    } catch {
      throw new UsageError(`${source}: certificate ${i + 1} cannot be parsed`, 'check the file is an intact PEM certificate (openssl x509 -in FILE -noout -text)');
    }
    certs.push(summarize(cert, now));
    pems.push(cert.toString().trim());
  });
  return { pem: pems.join('\n') + '\n', certs };
}

/** Parses a stored value (data or decoded binaryData) leniently for `list`: never throws. */
export function inspectStored(value: string | Buffer, now = new Date()): { certs: CertSummary[]; error?: string } {
  try {
    const buf = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    if (looksLikeDER(buf)) return { certs: [summarize(new X509Certificate(buf), now)] };
    return { certs: parseCABundle(buf, 'value', now).certs };
  } catch (e) {
    return { certs: [], error: (e as Error).message.replace(/^value:? ?/, '') };
  }
}

export function summarize(cert: X509Certificate, now = new Date()): CertSummary {
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  return {
    subject: oneLineDN(cert.subject),
    issuer: oneLineDN(cert.issuer),
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    sha256: cert.fingerprint256,
    isCA: cert.ca,
    selfSigned: cert.subject === cert.issuer && safeCheckIssued(cert),
    expired: notAfter.getTime() < now.getTime(),
    notYetValid: notBefore.getTime() > now.getTime(),
  };
}

/** Warnings for a CA that is about to be trusted (expired, not a CA, not yet valid). */
export function caWarnings(b: CABundle, where: string): string[] {
  const out: string[] = [];
  b.certs.forEach((c, i) => {
    const which = b.certs.length > 1 ? `${where} (certificate ${i + 1}, ${c.subject})` : `${where} (${c.subject})`;
    if (c.expired) out.push(`${which} expired on ${c.notAfter}`);
    if (c.notYetValid) out.push(`${which} is not valid before ${c.notBefore}`);
    if (!c.isCA) out.push(`${which} is not a CA certificate (basicConstraints CA:FALSE); it can only validate itself`);
  });
  return out;
}

/** Same certificates in the same order, whatever the PEM formatting. */
export function sameCertificates(a: CertSummary[], b: CertSummary[]): boolean {
  return a.length === b.length && a.every((c, i) => c.sha256 === b[i]!.sha256);
}

// node prints DNs one attribute per line ("CN=x\nO=y").
function oneLineDN(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ');
}

function safeCheckIssued(cert: X509Certificate): boolean {
  try {
    return cert.checkIssued(cert);
  } catch {
    return false;
  }
}

/** DER certificates start with a SEQUENCE tag and a long-form length. */
function looksLikeDER(buf: Buffer): boolean {
  return buf.length > 4 && buf[0] === 0x30 && (buf[1] === 0x82 || buf[1] === 0x81);
}
