/**
 * The sandbox's own certificate authority: a P-256 key pair that signs the serving and client certificates
 * etcd and kube-apiserver use to talk to each other, so etcd can refuse every client without a certificate.
 * Node can sign but not build X.509 certificates, so this encodes the few DER structures a certificate needs.
 * The CA's private key never touches the disk: it signs once, during `sandbox up`, and is dropped.
 */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

export interface IssuedCert {
  /** PEM certificate. */
  cert: string;
  /** PEM PKCS#8 private key. */
  key: string;
}

export interface CertRequest {
  commonName: string;
  /** Subject alternative names: IPv4 addresses and DNS names. */
  hosts?: string[];
  usage: ('server' | 'client')[];
  days?: number;
}

export interface CertificateAuthority {
  /** The CA certificate (PEM), which peers trust. */
  readonly cert: string;
  issue(req: CertRequest): IssuedCert;
}

const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

// keyUsage bits, numbered from the most significant bit of the first byte (RFC 5280 4.2.1.3).
const DIGITAL_SIGNATURE = 0;
const KEY_ENCIPHERMENT = 2;
const KEY_CERT_SIGN = 5;
const CRL_SIGN = 6;

export function createCertificateAuthority(commonName: string, now = new Date()): CertificateAuthority {
  const ca = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const name = distinguishedName(commonName);
  const caCert = certificate({
    subject: name,
    issuer: name,
    publicKey: ca.publicKey.export({ type: 'spki', format: 'der' }),
    signer: ca.privateKey,
    notBefore: now,
    days: 3650,
    extensions: [extension(OID.basicConstraints, seq(bool(true)), true), extension(OID.keyUsage, keyUsage([DIGITAL_SIGNATURE, KEY_CERT_SIGN, CRL_SIGN]), true)],
  });
  return {
    cert: pem('CERTIFICATE', caCert),
    issue(req) {
      const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const ekus = req.usage.map((u) => oid(u === 'server' ? OID.serverAuth : OID.clientAuth));
      const extensions = [
        extension(OID.basicConstraints, seq(), true),
        extension(OID.keyUsage, keyUsage([DIGITAL_SIGNATURE, KEY_ENCIPHERMENT]), true),
        extension(OID.extKeyUsage, seq(...ekus)),
      ];
      if (req.hosts?.length) extensions.push(extension(OID.subjectAltName, seq(...req.hosts.map(generalName))));
      const der = certificate({
        subject: distinguishedName(req.commonName),
        issuer: name,
        publicKey: pair.publicKey.export({ type: 'spki', format: 'der' }),
        signer: ca.privateKey,
        notBefore: now,
        days: req.days ?? 3650,
        extensions,
      });
      return { cert: pem('CERTIFICATE', der), key: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    },
  };
}

interface CertificateFields {
  subject: Buffer;
  issuer: Buffer;
  publicKey: Buffer;
  signer: KeyObject;
  notBefore: Date;
  days: number;
  extensions: Buffer[];
}

function certificate(f: CertificateFields): Buffer {
  const algorithm = seq(oid(OID.ecdsaWithSha256));
  // Back-date by an hour so a clock a little behind still accepts the certificate.
  const from = new Date(f.notBefore.getTime() - 3600_000);
  const to = new Date(f.notBefore.getTime() + f.days * 86_400_000);
  const serial = randomBytes(16);
  serial[0]! &= 0x7f; // positive
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))), // version 3
    integer(serial),
    algorithm,
    f.issuer,
    seq(time(from), time(to)),
    f.subject,
    f.publicKey,
    tlv(0xa3, seq(...f.extensions)),
  );
  const signature = sign('sha256', tbs, { key: f.signer, dsaEncoding: 'der' });
  return seq(tbs, algorithm, bitString(signature));
}

function distinguishedName(commonName: string): Buffer {
  return seq(tlv(0x31, seq(oid(OID.commonName), tlv(0x0c, Buffer.from(commonName, 'utf8')))));
}

function extension(id: string, value: Buffer, critical = false): Buffer {
  return critical ? seq(oid(id), bool(true), tlv(0x04, value)) : seq(oid(id), tlv(0x04, value));
}

function keyUsage(bits: number[]): Buffer {
  let value = 0;
  for (const b of bits) value |= 0x80 >> b;
  // DER drops trailing zero bits of a named bit list and says how many it dropped.
  let unused = 0;
  while (unused < 7 && !(value & (1 << unused))) unused++;
  return bitString(Buffer.from([value]), unused);
}

function generalName(host: string): Buffer {
  if (isIP(host) === 4) return tlv(0x87, Buffer.from(host.split('.').map(Number)));
  if (isIP(host)) throw new Error(`only IPv4 addresses are supported in certificates, not ${host}`);
  return tlv(0x82, Buffer.from(host, 'ascii'));
}

function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'; // YYYYMMDDHHMMSSZ
  // UTCTime up to 2049, GeneralizedTime after (RFC 5280 4.1.2.5).
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2), 'ascii')) : tlv(0x18, Buffer.from(iso, 'ascii'));
}

function tlv(tag: number, value: Buffer): Buffer {
  const n = value.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, value]);
}

function seq(...items: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(items));
}

function integer(bytes: Buffer): Buffer {
  // Minimal two's complement: no redundant leading zero, but one before a set top bit.
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0 && !(bytes[i + 1]! & 0x80)) i++;
  const body = bytes.subarray(i);
  return tlv(0x02, body[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), body]) : body);
}

function bool(v: boolean): Buffer {
  return tlv(0x01, Buffer.from([v ? 0xff : 0]));
}

function bitString(bytes: Buffer, unused = 0): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([unused]), bytes]));
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a! * 40 + b!];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = n >>> 7; v > 0; v >>>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function pem(label: string, der: Buffer): string {
  const b64 = der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
