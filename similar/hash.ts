// A small, dependency-free string hash (two FNV-1a lanes, 53 bits) for deterministic `_key`s
// and for fingerprints of a question's ranking inputs. Runs anywhere (no node:crypto), so the
// serving code can check a fingerprint in a browser bundle too.

export function hash53(text: string): string {
  let a = 0x811c9dc5
  let b = 0x01000193 ^ 0x5bd1e995
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    a = Math.imul(a ^ code, 0x01000193)
    b = Math.imul(b ^ code, 0x5bd1e995)
    b ^= b >>> 15
  }
  const high = (a >>> 0) & 0x1fffff
  return (high * 2 ** 32 + (b >>> 0)).toString(36)
}
