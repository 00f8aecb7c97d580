// Sandbox PKI: CAs and leaf certificates for the API server, the router (ingress wildcard),
// service-serving certificates and client certificates. ECDSA P-256 keeps start-up fast.
import 'reflect-metadata';
import { webcrypto, randomBytes } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 60 * 60 * 1000;

export interface Issued {
  certPem: string;
  keyPem: string;
}

export interface IssueOptions {
  commonName: string;
  /** Organisations become the subject's O= entries (Kubernetes groups for client certificates). */
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  client?: boolean;
  server?: boolean;
  /** Validity window; defaults to one year from yesterday. */
  notBefore?: Date;
  notAfter?: Date;
}

export interface CertificateAuthority extends Issued {
  name: string;
  issue(opts: IssueOptions): Promise<Issued>;
  /** An intermediate CA signed by this one (basicConstraints CA, pathLen 0). */
  issueCA(name: string): Promise<CertificateAuthority>;
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString('hex');
}

function subject(cn: string, orgs: string[] = []): string {
  const esc = (v: string) => v.replace(/([,+"\\<>;=])/g, '\\$1');
  return [`CN=${esc(cn)}`, ...orgs.map((o) => `O=${esc(o)}`)].join(', ');
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key as unknown as webcrypto.CryptoKey);
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').trim();
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

export async function createCA(name: string, opts: { notBefore?: Date; notAfter?: Date } = {}): Promise<CertificateAuthority> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const notBefore = opts.notBefore ?? new Date(Date.now() - DAY);
  const notAfter = opts.notAfter ?? new Date(Date.now() + 3650 * DAY);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: subject(name),
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return authority(name, cert, keys);
}

async function authority(name: string, cert: x509.X509Certificate, keys: CryptoKeyPair): Promise<CertificateAuthority> {
  return {
    name,
    certPem: cert.toString('pem') + '\n',
    keyPem: await keyPem(keys.privateKey),
    async issueCA(subName: string): Promise<CertificateAuthority> {
      const subKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
      const sub = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: subject(subName),
        issuer: cert.subject,
        notBefore: new Date(Date.now() - DAY),
        notAfter: new Date(Math.min(Date.now() + 1825 * DAY, cert.notAfter.getTime())),
        signingKey: keys.privateKey,
        publicKey: subKeys.publicKey,
        signingAlgorithm: ALG,
        extensions: [
          new x509.BasicConstraintsExtension(true, 0, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
          await x509.SubjectKeyIdentifierExtension.create(subKeys.publicKey),
          await x509.AuthorityKeyIdentifierExtension.create(cert, false),
        ],
      });
      return authority(subName, sub, subKeys);
    },
    async issue(o: IssueOptions): Promise<Issued> {
      const leafKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
      const sans: x509.JsonGeneralName[] = [
        ...(o.dnsNames ?? []).map((v) => ({ type: 'dns' as const, value: v })),
        ...(o.ipAddresses ?? []).map((v) => ({ type: 'ip' as const, value: v })),
      ];
      const ekus: string[] = [];
      if (o.server ?? !o.client) ekus.push(x509.ExtendedKeyUsage.serverAuth);
      if (o.client) ekus.push(x509.ExtendedKeyUsage.clientAuth);
      const extensions: x509.Extension[] = [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension(ekus, false),
        await x509.AuthorityKeyIdentifierExtension.create(cert, false),
      ];
      if (sans.length) extensions.push(new x509.SubjectAlternativeNameExtension(sans, false));
      const leaf = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: subject(o.commonName, o.organizations),
        issuer: cert.subject,
        notBefore: o.notBefore ?? new Date(Date.now() - DAY),
        notAfter: o.notAfter ?? new Date(Date.now() + 365 * DAY),
        signingKey: keys.privateKey,
        publicKey: leafKeys.publicKey,
        signingAlgorithm: ALG,
        extensions,
      });
      return { certPem: leaf.toString('pem') + '\n', keyPem: await keyPem(leafKeys.privateKey) };
    },
  };
}
