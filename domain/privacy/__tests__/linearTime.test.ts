import {describe, expect, it} from 'vitest'
import {runInChild} from '../../../bench/child.ts'
import {SHAPES} from './timing.ts'

// Imported text can be any size and shape: the rules must read each character a bounded number of
// times. Checked by growth, not by a clock: ten times the text may cost at most ~25 times the CPU
// (linear work gives ~10, quadratic ~100), measured in plain Node (timing.ts) as the importer runs.

interface Timing {
  shape: string
  small: number
  large: number
}

/** Characters of the larger text; the smaller is a tenth. */
const SIZE = 2_000_000
/** Below this many CPU ms for the small text, timer noise dominates the ratio. */
const MEASURABLE_MS = 5

describe('scrubText on hostile sizes', () => {
  it('takes time linear in the text', {timeout: 300_000}, async () => {
    const script = new URL('./timing.ts', import.meta.url).pathname
    const shapes = Object.keys(SHAPES)
    const timings = await runInChild<Timing[]>(script, {shapes, size: SIZE})
    console.log(timings.map((t) => `${t.shape}: ${t.small} ms → ${t.large} ms`).join('\n'))
    expect(timings.map((timing) => timing.shape)).toEqual(shapes)
    for (const {shape, small, large} of timings) {
      if (small < MEASURABLE_MS) continue
      expect(large / small, shape).toBeLessThan(25)
    }
  })
})
