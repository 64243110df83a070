import {describe, expect, it} from 'vitest'
import {runInChild} from '../../../bench/child.ts'

// Imported text can be any size and shape: the rules read each character a bounded number of
// times, so a 10 MB line or a 200,000-character word takes well under two seconds. Measured in
// plain Node (timing.ts), as the importer runs.

interface Timing {
  shape: string
  milliseconds: number
  masks: number
}

/** The shapes checked here (timing.ts knows more) and their limits in milliseconds. */
const LIMITS: Record<string, number> = {
  'a 10 MB line of thread text': 2000,
  'a 200,000-character word': 200,
  'a 200,000-character word with an "@"': 200,
  '10 MB of "1-1-1"': 4000,
  '10 MB of "a@a@"': 6000,
}

describe('scrubText on hostile sizes', () => {
  it('takes time linear in the text', {timeout: 120_000}, async () => {
    const script = new URL('./timing.ts', import.meta.url).pathname
    const timings = await runInChild<Timing[]>(script, Object.keys(LIMITS))
    console.log(timings.map((t) => `${t.shape}: ${t.milliseconds} ms, ${t.masks} masks`).join('\n'))
    expect(timings.map((timing) => timing.shape)).toEqual(Object.keys(LIMITS))
    for (const {shape, milliseconds} of timings) {
      expect(milliseconds, shape).toBeLessThan(LIMITS[shape] ?? 0)
    }
  })
})
