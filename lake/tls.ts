import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {generate} from 'selfsigned'
import {keepPrivate, PRIVATE_FILE, PRIVATE_FOLDER} from './storage.ts'

// Studio needs HTTP/2, and browsers only speak HTTP/2 over TLS: the lake serves it with a
// self-signed certificate for localhost (and *.localhost, where Studio sends its API calls),
// generated once per data folder. Folder, key and certificate are readable by their owner only.

export interface Certificate {
  key: string
  cert: string
}

async function readCertificate(dir: string): Promise<Certificate | undefined> {
  try {
    return {
      key: await readFile(join(dir, 'key.pem'), 'utf8'),
      cert: await readFile(join(dir, 'cert.pem'), 'utf8'),
    }
  } catch {
    return undefined
  }
}

async function generateCertificate(): Promise<Certificate> {
  const pems = await generate([{name: 'commonName', value: 'localhost'}], {
    keySize: 2048,
    notAfterDate: new Date(Date.now() + 825 * 86_400_000),
    algorithm: 'sha256',
    extensions: [
      {name: 'basicConstraints', cA: false},
      {name: 'keyUsage', digitalSignature: true, keyEncipherment: true},
      {name: 'extKeyUsage', serverAuth: true},
      {
        name: 'subjectAltName',
        altNames: [
          {type: 2, value: 'localhost'},
          {type: 2, value: '*.localhost'},
          {type: 7, ip: '127.0.0.1'},
        ],
      },
    ],
  })
  return {key: pems.private, cert: pems.cert}
}

export async function localCertificate(dataDir: string): Promise<Certificate> {
  const dir = join(dataDir, 'tls')
  let certificate = await readCertificate(dir)
  if (!certificate) {
    certificate = await generateCertificate()
    await mkdir(dir, {recursive: true, mode: PRIVATE_FOLDER})
    await writeFile(join(dir, 'key.pem'), certificate.key, {mode: PRIVATE_FILE})
    await writeFile(join(dir, 'cert.pem'), certificate.cert, {mode: PRIVATE_FILE})
  }
  // Also files that earlier versions wrote (or that a new one was written over) with wider modes.
  await keepPrivate(dir, PRIVATE_FOLDER)
  await keepPrivate(join(dir, 'key.pem'), PRIVATE_FILE)
  await keepPrivate(join(dir, 'cert.pem'), PRIVATE_FILE)
  return certificate
}
