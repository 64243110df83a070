import {readFile, stat} from 'node:fs/promises'
import {extname, join, normalize, sep} from 'node:path'
import {decodePart, type LakeRequest, type LakeResponse} from './respond.ts'

// Serves a built single-page app (the Studio) from a folder: files as they are, every other GET
// gets index.html. Nothing served is secret: the Studio signs in on its own (lake/auth.ts).

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
}

export interface StaticOptions {
  root: string
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

export function serveStatic({root}: StaticOptions) {
  const base = normalize(root) + sep
  return async (request: LakeRequest, response: LakeResponse, url: URL): Promise<boolean> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false
    const path = normalize(join(base, decodePart(url.pathname)))
    if (!path.startsWith(base)) return false
    const file = (await isFile(path)) ? path : join(base, 'index.html')
    if (!(await isFile(file))) return false
    const isIndex = file === join(base, 'index.html')
    const body = await readFile(file)
    response.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': Buffer.byteLength(body),
      // Built assets have content hashes in their names; index.html must always be fresh.
      'cache-control': isIndex ? 'no-cache' : 'public, max-age=31536000, immutable',
    })
    response.end(request.method === 'HEAD' ? '' : body)
    return true
  }
}
