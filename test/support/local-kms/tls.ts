// TLS for the local endpoint (start option `tls: true`, `--tls`): a private CA made at start, and a
// server certificate it signs for 127.0.0.1 and localhost, so that tests can check what a client
// does with a CA it does not trust and with one it is given (AWS_CA_BUNDLE, --ca-bundle). The keys
// and signatures come from node:crypto (RSA 2048, SHA-256); node-forge only encodes the
// certificates (X.509, which node:crypto can read but not make; its own RSA, in JavaScript, takes
// about 0.3 s a signature). Nothing is kept between runs: a new CA every start.
import { generateKeyPair, randomBytes, sign } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import forge from "node-forge";

export interface LocalTls {
  /** The CA certificate (PEM): what a client must trust. */
  readonly caCert: string;
  /** The file it was written to (ca.pem): for AWS_CA_BUNDLE or --ca-bundle. */
  readonly caFile: string;
  /** The server's certificate (PEM), signed by the CA, and its private key (PKCS #8 PEM). */
  readonly cert: string;
  readonly key: string;
  /** Removes the folder it made for the CA file (not a folder it was given). */
  remove(): void;
}

/** The names the server certificate is valid for: the endpoint listens on 127.0.0.1 only. */
export const SERVER_NAMES = { ip: "127.0.0.1", dns: "localhost" } as const;

const DAY_MS = 24 * 3_600_000;

/** An RSA key pair, made off the main thread. */
function rsaKeys(): Promise<{ privateKey: string; publicKey: string }> {
  return promisify(generateKeyPair)("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
}

/** A positive serial number of 16 random bytes (RFC 5280: positive, at most 20 bytes). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString("hex");
}

function certificate(
  subject: forge.pki.CertificateField[],
  issuer: forge.pki.CertificateField[],
  publicKey: string,
  extensions: object[],
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.serialNumber = serialNumber();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  // an hour back, for a client whose clock is a little behind; 30 days ahead, for a long session
  cert.validity.notBefore = new Date(Date.now() - 3_600_000);
  cert.validity.notAfter = new Date(Date.now() + 30 * DAY_MS);
  cert.setSubject(subject);
  cert.setIssuer(issuer);
  cert.setExtensions(extensions);
  return cert;
}

/** forge's pki.getTBSCertificate (lib/x509.js; @types/node-forge does not declare it). */
const tbsCertificate = (cert: forge.pki.Certificate): forge.asn1.Asn1 =>
  (
    forge.pki as unknown as { getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1 }
  ).getTBSCertificate(cert);

/** Signs the certificate with the CA's key, as forge's cert.sign(key, sha256) would. */
function signWith(cert: forge.pki.Certificate, caPrivateKey: string): void {
  cert.signatureOid = forge.pki.oids.sha256WithRSAEncryption ?? "1.2.840.113549.1.1.11";
  cert.siginfo.algorithmOid = cert.signatureOid;
  cert.tbsCertificate = tbsCertificate(cert);
  const tbs = Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), "binary");
  cert.signature = sign("sha256", tbs, caPrivateKey).toString("binary");
}

/**
 * A new CA and a server certificate for 127.0.0.1 and localhost; the CA certificate is written
 * to DIR/ca.pem (`dir`), or to a new temporary folder that remove() deletes.
 */
export async function makeLocalTls(dir?: string): Promise<LocalTls> {
  const [caKeys, serverKeys] = await Promise.all([rsaKeys(), rsaKeys()]);
  const caName = [
    { name: "commonName", value: `kms-local test CA ${randomBytes(4).toString("hex")}` },
    { name: "organizationName", value: "kms-replicate tests" },
  ];
  const ca = certificate(caName, caName, caKeys.publicKey, [
    { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  signWith(ca, caKeys.privateKey);

  const server = certificate([{ name: "commonName", value: SERVER_NAMES.ip }], caName, serverKeys.publicKey, [
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: [
        { type: 7, ip: SERVER_NAMES.ip },
        { type: 2, value: SERVER_NAMES.dns },
      ],
    },
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  signWith(server, caKeys.privateKey);

  const folder = dir ?? mkdtempSync(join(tmpdir(), "kms-local-tls-"));
  const caCert = forge.pki.certificateToPem(ca);
  const caFile = join(folder, "ca.pem");
  writeFileSync(caFile, caCert);
  return {
    caCert,
    caFile,
    cert: forge.pki.certificateToPem(server),
    key: serverKeys.privateKey,
    remove: () => {
      if (dir === undefined) rmSync(folder, { recursive: true, force: true });
    },
  };
}
