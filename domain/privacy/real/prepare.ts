import {execFileSync, spawnSync} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

// Real medical text nobody here wrote, prepared into a git-ignored folder for report.ts:
//  - COVID-Dialogue (github.com/UCSD-AI4H/COVID-Dialogue, COVID-Dialogue-Dataset-English.txt):
//    603 English doctor–patient dialogues from icliniq.com, healthcaremagic.com, healthtap.com;
//  - MedQuAD (github.com/abachaa/MedQuAD): NIH consumer-health questions and answers, from the
//    folders that still hold their answers.
// Both are read from bare git copies of those repositories (the paths below, or --covid and
// --medquad): `git clone --bare <url> <dir>` makes one. Nothing here is committed.
//
//   node domain/privacy/real/prepare.ts [--covid <git-dir>] [--medquad <git-dir>]

export const DATA = fileURLToPath(new URL('./data/', import.meta.url))
export const PREPARED = `${DATA}real.jsonl`

const DEFAULTS = {
  covid: '/work/.mirror/UCSD-AI4H+COVID-Dialogue/repo',
  medquad: '/work/.mirror/abachaa+MedQuAD/repo',
}
const COVID_FILE = 'COVID-Dialogue-Dataset-English.txt'
const MEDQUAD_FOLDERS =
  /^(1_CancerGov|2_GARD|3_GHR|4_MPlus_Health_Topics|5_NIDDK|6_NINDS|7_SeniorHealth|8_NHLBI_QA_XML|9_CDC)_?QA/

export interface RealText {
  source: 'covid-dialogue' | 'medquad'
  /** Dialogue or document id; texts of one dialogue share it. */
  id: string
  role: 'description' | 'patient' | 'doctor' | 'question' | 'answer'
  text: string
}

function option(name: keyof typeof DEFAULTS): string {
  const at = process.argv.indexOf(`--${name}`)
  return (at >= 0 ? process.argv[at + 1] : undefined) ?? DEFAULTS[name]
}

function show(gitDir: string, path: string): string {
  return execFileSync('git', ['--git-dir', gitDir, 'show', `HEAD:${path}`], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
}

/** "id=1", URL, "Description", text, "Dialogue", then "Patient:"/"Doctor:" turns. */
export function covidDialogues(file: string): RealText[] {
  const texts: RealText[] = []
  for (const dialogue of file.split(/^id=(?=\d+\s*$)/m).slice(1)) {
    const id = `covid-${dialogue.slice(0, dialogue.indexOf('\n')).trim()}`
    const [head = '', turns = ''] = dialogue.split(/^Dialogue\s*$/m)
    const description = head.split(/^Description\s*$/m)[1]?.trim()
    if (description)
      texts.push({source: 'covid-dialogue', id, role: 'description', text: description})
    for (const turn of turns.split(/^(?=(?:Patient|Doctor):\s*$)/m)) {
      const role = turn.startsWith('Patient:')
        ? 'patient'
        : turn.startsWith('Doctor:')
          ? 'doctor'
          : ''
      const text = turn.slice(turn.indexOf(':') + 1).trim()
      if (role && text) texts.push({source: 'covid-dialogue', id, role, text})
    }
  }
  return texts
}

const ENTITIES: Record<string, string> = {quot: '"', apos: "'", amp: '&', lt: '<', gt: '>'}

function decodeXml(text: string): string {
  return text.replace(/&(#\d+|[a-z]+);/g, (entity, name: string) =>
    name.startsWith('#') ? String.fromCodePoint(Number(name.slice(1))) : (ENTITIES[name] ?? entity),
  )
}

/** Every <Question> and <Answer> of one MedQuAD document. */
export function medquadTexts(xml: string, id: string): RealText[] {
  const texts: RealText[] = []
  for (const [tag, role] of [
    ['Question', 'question'],
    ['Answer', 'answer'],
  ] as const) {
    for (const part of xml.split(`<${tag}`).slice(1)) {
      const body = part.slice(part.indexOf('>') + 1, part.indexOf(`</${tag}>`))
      const text = decodeXml(body).trim()
      if (text) texts.push({source: 'medquad', id, role, text})
    }
  }
  return texts
}

/** All MedQuAD documents that still hold answers, read through one `git cat-file --batch`. */
function medquad(gitDir: string): RealText[] {
  const paths = execFileSync('git', ['--git-dir', gitDir, 'ls-tree', '-r', '--name-only', 'HEAD'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((path) => MEDQUAD_FOLDERS.test(path) && path.endsWith('.xml'))
  const batch = spawnSync('git', ['--git-dir', gitDir, 'cat-file', '--batch'], {
    input: paths.map((path) => `HEAD:${path}`).join('\n') + '\n',
    maxBuffer: 256 * 1024 * 1024,
  }).stdout
  const texts: RealText[] = []
  let at = 0
  for (const path of paths) {
    const header = batch.subarray(at, batch.indexOf(10, at)).toString('utf8')
    const size = Number(header.split(' ')[2])
    const start = batch.indexOf(10, at) + 1
    texts.push(...medquadTexts(batch.subarray(start, start + size).toString('utf8'), path))
    at = start + size + 1
  }
  return texts
}

function main() {
  const texts = [
    ...covidDialogues(show(option('covid'), COVID_FILE)),
    ...medquad(option('medquad')),
  ]
  mkdirSync(DATA, {recursive: true})
  writeFileSync(PREPARED, texts.map((text) => JSON.stringify(text)).join('\n') + '\n')
  for (const source of new Set(texts.map((text) => text.source))) {
    const group = texts.filter((text) => text.source === source)
    const characters = group.reduce((sum, text) => sum + text.text.length, 0)
    console.log(`${source}: ${group.length} texts, ${characters.toLocaleString('en')} characters`)
  }
  console.log(`written to ${PREPARED}`)
}

if (import.meta.url === `file://${process.argv[1]}`) main()
