import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {generate} from 'selfsigned'

// Studio needs HTTP/2, and browsers only speak HTTP/2 over TLS: the lake serves it with a
// self-signed certificate for localhost (and *.localhost, where Studio sends its API calls),
// generated once per data folder.

export interface Certificate {
  key: string
  cert: string
}

export async function localCertificate(dataDir: string): Promise<Certificate> {
  const dir = join(dataDir, 'tls')
  try {
    return {
      key: await readFile(join(dir, 'key.pem'), 'utf8'),
      cert: await readFile(join(dir, 'cert.pem'), 'utf8'),
    }
  } catch {
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
    await mkdir(dir, {recursive: true})
    await writeFile(join(dir, 'key.pem'), pems.private, {mode: 0o600})
    await writeFile(join(dir, 'cert.pem'), pems.cert)
    return {key: pems.private, cert: pems.cert}
  }
}
