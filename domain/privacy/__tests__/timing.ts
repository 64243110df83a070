import {fileURLToPath} from 'node:url'
import {privacyContext, scrubText} from '../index.ts'

// Run by linearTime.test.ts in a child process of plain Node: what the importer would see. (In
// vitest every call between modules goes through its module loader, several times slower.)
// For each shape, scrubs it at `size` characters and at a tenth of that and prints, as one JSON
// line, the CPU milliseconds of each (the best of three, so a busy machine inflates them less).

const context = privacyContext({askerName: 'Chen Mei-ling', doctorNames: ['Dr. Lan Shengxing']})

function ofLength(unit: string, size: number): string {
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size)
}

const sentence = 'Calf twitching at night after 22:00, BP 135/85, pulse 96, 500 mg twice a day. '
const contact = 'Dear Mr. Chen, call 0912-345-678 or mail chen.ml@gmail.com. '

/** Text of about `size` characters in each hostile shape. */
export const SHAPES: Record<string, (size: number) => string> = {
  'thread text on one line': (size) => ofLength(`${sentence.repeat(20)}${contact}`, size),
  'contact details on one line': (size) => ofLength(contact, size),
  'one long word': (size) => 'x'.repeat(size),
  'one long word with an "@"': (size) => `mail ${'a'.repeat(size)}@example.com now`,
  'one long number': (size) => '1'.repeat(size),
  '"1-1-1"': (size) => ofLength('1-', size),
  '"a@a@"': (size) => ofLength('a@', size),
  'spaces before a phone': (size) => `${' '.repeat(size)}0912345678`,
  '"x dot "': (size) => `${ofLength('x dot ', size)}at gmail dot com`,
  'full-width digits': (size) => ofLength('０９１２－', size),
}

function cpuMilliseconds(text: string): number {
  let best = Infinity
  for (let run = 0; run < 3; run++) {
    const started = process.cpuUsage()
    scrubText(text, context)
    const {user, system} = process.cpuUsage(started)
    best = Math.min(best, (user + system) / 1000)
  }
  return best
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const {shapes, size} = JSON.parse(process.argv[2] ?? '{}') as {shapes: string[]; size: number}
  const timings = shapes.map((shape) => {
    const make = SHAPES[shape]
    if (!make) throw new Error(`Unknown shape: ${shape}`)
    const small = cpuMilliseconds(make(size / 10))
    const large = cpuMilliseconds(make(size))
    return {shape, small, large}
  })
  console.log(JSON.stringify(timings))
}
