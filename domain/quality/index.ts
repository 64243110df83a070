import {dateAfterAsked} from './dates.ts'
import {duplicateQuestion} from './duplicate.ts'
import {genderContradicted} from './gender.ts'
import {machineTranslationRefusal} from './refusal.ts'
import {emptyReply, oneWordReply} from './replies.ts'
import {nonLatinInEnglish} from './script.ts'
import {doctorSignatureDiffers} from './signature.ts'
import {FLAG_CODES, type Finding, type FlagCode, type ThreadText} from './types.ts'

// Quality flags on imported threads: one pure detector per flag code, in one table. The importer
// runs them when it maps a thread, the Studio when an editor publishes (to clear flags the edit
// fixed), and the summary names each kind with the table's words.

export interface Detector {
  detect: (thread: ThreadText) => Finding[]
  /** How the import summary counts it: "1 one-word reply", "2 one-word replies". */
  one: string
  many: string
  /** Needs other documents of the dataset (`thread.sameQuestion`) to decide. */
  needsDataset?: boolean
}

export const DETECTORS: Record<FlagCode, Detector> = {
  machineTranslationRefusal: {
    detect: machineTranslationRefusal,
    one: 'translation refusal',
    many: 'translation refusals',
  },
  emptyReply: {detect: emptyReply, one: 'empty reply', many: 'empty replies'},
  oneWordReply: {detect: oneWordReply, one: 'one-word reply', many: 'one-word replies'},
  dateAfterAsked: {detect: dateAfterAsked, one: 'later date', many: 'later dates'},
  genderContradicted: {
    detect: genderContradicted,
    one: 'contradicted gender',
    many: 'contradicted genders',
  },
  doctorSignatureDiffers: {
    detect: doctorSignatureDiffers,
    one: 'differing signature',
    many: 'differing signatures',
  },
  nonLatinInEnglish: {
    detect: nonLatinInEnglish,
    one: 'non-Latin text in English',
    many: 'non-Latin texts in English',
  },
  duplicateQuestion: {
    detect: duplicateQuestion,
    one: 'duplicate question',
    many: 'duplicate questions',
    needsDataset: true,
  },
}

/** Every flag the detectors raise on a thread, in the table's order. */
export function detectThread(thread: ThreadText): Finding[] {
  return FLAG_CODES.flatMap((code) => DETECTORS[code].detect(thread))
}

/** "3 translation refusals, 1 one-word reply", in the table's order; "none" without flags. */
export function describeCounts(counts: Partial<Record<FlagCode, number>>): string {
  const parts = FLAG_CODES.flatMap((code) => {
    const count = counts[code] ?? 0
    if (count === 0) return []
    return [`${count} ${count === 1 ? DETECTORS[code].one : DETECTORS[code].many}`]
  })
  return parts.length > 0 ? parts.join(', ') : 'none'
}

export {FLAG_CODES, type FlagCode} from './types.ts'
