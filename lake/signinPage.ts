import {createHash} from 'node:crypto'
import type {LakeResponse} from './respond.ts'

// The page a Studio that is not signed in is sent to (the lake is its one login provider, and
// Studio redirects to it with `?origin=<where to return>`). It holds no secret: it asks for the
// one-time link that `npm start` printed (or `npm run lake -- signin` prints) and hands its code
// back to the Studio as `#sid=`, which the Studio trades for a session token (lake/auth.ts).

const SCRIPT = `
const form = document.querySelector('form')
const back = () => {
  const origin = new URLSearchParams(location.search).get('origin')
  try {
    const target = new URL(origin || '/', location.href)
    if (target.origin === location.origin) return target
  } catch {}
  return new URL('/', location.href)
}
form.addEventListener('submit', (event) => {
  event.preventDefault()
  const text = form.code.value.trim()
  const code = (text.match(/sid=([^&\\s]+)/) || [null, text])[1]
  if (!code) return
  const target = back()
  target.hash = 'sid=' + encodeURIComponent(code)
  location.replace(target.href)
})
`

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}
input{width:100%;font:inherit;padding:.4rem}button{font:inherit;margin-top:.6rem;padding:.4rem 1rem}
code{background:#eee;padding:0 .2rem}`

const HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to the Medical Q&amp;A Studio</title>
<style>${STYLE}</style></head>
<body><h1>Sign in to the Studio</h1>
<p>The embedded lake signs browsers in with a one-time link. Open the link that <code>npm start</code>
printed in its terminal, or run <code>npm run lake -- signin</code> for a new one and open it, or
paste it here:</p>
<form><input name="code" autocomplete="off" autofocus placeholder="https://local.localhost:3443/#sid=…" aria-label="Sign-in link or code">
<button type="submit">Sign in</button></form>
<script>${SCRIPT}</script></body></html>`

const digest = (text: string) => createHash('sha256').update(text).digest('base64')

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-security-policy': [
    "default-src 'none'",
    `script-src 'sha256-${digest(SCRIPT)}'`,
    `style-src 'sha256-${digest(STYLE)}'`,
    "form-action 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
}

export function sendSignInPage(response: LakeResponse) {
  response.writeHead(200, {...HEADERS, 'content-length': Buffer.byteLength(HTML)})
  response.end(HTML)
}
