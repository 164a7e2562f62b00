import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Throwaway TLS material for tests, made with `openssl` and `keytool` in a folder of the caller's (a
 * temp dir): a CA, a server certificate it signed for 127.0.0.1 and localhost, the same key and
 * certificate as a PKCS12 keystore for Kafka, and a second CA that signed nothing here (a client
 * trusting only that one must refuse the server). Nothing outlives the test run but these files.
 */
export interface TestCertificates {
  /** PEM of the CA that signed the server certificate. */
  readonly caFile: string;
  /** PEM of an unrelated CA. */
  readonly otherCaFile: string;
  /** PEM server certificate (the leaf only: clients must have the CA to verify it). */
  readonly serverCertFile: string;
  /** Its private key, PEM, not encrypted. */
  readonly serverKeyFile: string;
  /** PKCS12 keystore with that key and certificate, written by keytool. */
  readonly keystoreFile: string;
  readonly keystorePassword: string;
}

function tool(command: string, args: readonly string[], cwd: string): void {
  try {
    execFileSync(command, [...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
    throw new Error(`${command} ${args[0]} failed: ${stderr || (error as Error).message}`);
  }
}

/** Flags as space-separated words, then `{ '-in': file }` pairs: values may hold spaces, so are never split. */
const args = (flags: string, values: Record<string, string> = {}): string[] => [
  ...flags.split(' '),
  ...Object.entries(values).flat(),
];

function selfSignedCa(dir: string, name: string, subject: string): { key: string; cert: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  const flags = 'req -x509 -newkey rsa:2048 -nodes -days 2 -addext basicConstraints=critical,CA:TRUE';
  tool(
    'openssl',
    args(flags, {
      '-addext': 'keyUsage=critical,keyCertSign,cRLSign',
      '-subj': subject,
      '-keyout': key,
      '-out': cert,
    }),
    dir,
  );
  return { key, cert };
}

export function createTestCertificates(dir: string): TestCertificates {
  const ca = selfSignedCa(dir, 'ca', '/CN=aiops throwaway test CA');
  const other = selfSignedCa(dir, 'other-ca', '/CN=aiops unrelated test CA');
  const serverKeyFile = join(dir, 'server.key');
  const serverCertFile = join(dir, 'server.pem');
  const csr = join(dir, 'server.csr');
  const extensions = join(dir, 'server.ext');
  // Node checks the IP address against subjectAltName (the CN is not looked at).
  writeFileSync(
    extensions,
    [
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid,issuer',
      '',
    ].join('\n'),
  );
  tool(
    'openssl',
    args('req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1', { '-keyout': serverKeyFile, '-out': csr }),
    dir,
  );
  tool(
    'openssl',
    args('x509 -req -days 2', {
      '-in': csr,
      '-CA': ca.cert,
      '-CAkey': ca.key,
      '-set_serial': `0x${randomBytes(8).toString('hex')}`,
      '-extfile': extensions,
      '-out': serverCertFile,
    }),
    dir,
  );

  // Key and certificate into PKCS12 with openssl, then rewritten by keytool: a keystore Java cannot read
  // fails here with keytool's message instead of in the broker's log. Hex: the stack allows no quoting.
  const keystorePassword = `ks-${randomBytes(9).toString('hex')}`;
  const bundle = join(dir, 'server-openssl.p12');
  const keystoreFile = join(dir, 'broker.p12');
  tool(
    'openssl',
    args('pkcs12 -export -name broker', {
      '-in': serverCertFile,
      '-inkey': serverKeyFile,
      '-passout': `pass:${keystorePassword}`,
      '-out': bundle,
    }),
    dir,
  );
  tool(
    'keytool',
    args('-importkeystore -noprompt -srcstoretype PKCS12 -deststoretype PKCS12', {
      '-srckeystore': bundle,
      '-srcstorepass': keystorePassword,
      '-destkeystore': keystoreFile,
      '-deststorepass': keystorePassword,
    }),
    dir,
  );
  // The CA keys are not needed any more: nothing else can be signed with them.
  for (const file of [ca.key, other.key, csr, bundle]) rmSync(file, { force: true });
  return {
    caFile: ca.cert,
    otherCaFile: other.cert,
    serverCertFile,
    serverKeyFile,
    keystoreFile,
    keystorePassword,
  };
}
