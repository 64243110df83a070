import {privacyContext, scrubText} from '../index.ts'

// Run by linearTime.test.ts in a child process of plain Node: what the importer would see. (In
// vitest every call between modules goes through its module loader, several times slower.)
// Prints, as one JSON line, milliseconds and masks for each shape of text.

const context = privacyContext({askerName: 'Chen Mei-ling', doctorNames: ['Dr. Lan Shengxing']})

function tenMegabytes(unit: string): string {
  return unit.repeat(Math.ceil(10_000_000 / unit.length)).slice(0, 10_000_000)
}

const sentence = 'Calf twitching at night after 22:00, BP 135/85, pulse 96, 500 mg twice a day. '
const contact = 'Dear Mr. Chen, call 0912-345-678 or mail chen.ml@gmail.com. '

export const SHAPES: Record<string, () => string> = {
  'a 10 MB line of thread text': () => tenMegabytes(`${sentence.repeat(20)}${contact}`),
  'a 10 MB line of contact details': () => tenMegabytes(contact),
  'a 200,000-character word': () => 'a'.repeat(200_000),
  'a 200,000-character word with an "@"': () => `mail ${'a'.repeat(200_000)}@example.com now`,
  'a 10 MB word': () => 'x'.repeat(10_000_000),
  'a 10 MB number': () => '1'.repeat(10_000_000),
  '10 MB of "1-1-1"': () => '1-'.repeat(5_000_000),
  '10 MB of "a@a@"': () => 'a@'.repeat(5_000_000),
  '10 MB of spaces before a phone': () => `${' '.repeat(10_000_000)}0912345678`,
  '10 MB of "x dot "': () => `${'x dot '.repeat(1_666_000)}at gmail dot com`,
  '10 MB of full-width digits': () => tenMegabytes('０９１２－'),
}

const shapes = JSON.parse(process.argv[2] ?? '[]') as string[]
const timings = shapes.map((shape) => {
  const text = SHAPES[shape]?.() ?? ''
  const started = performance.now()
  const {masks} = scrubText(text, context)
  return {shape, milliseconds: Math.round(performance.now() - started), masks: masks.length}
})
console.log(JSON.stringify(timings))
