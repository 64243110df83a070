// A light English stemmer for question text: inflections and the common derivational suffixes
// lay writers use ("twitching", "twitches", "twitched" → "twitch"; "numbness" → "numb";
// "dizziness", "dizzy" → "dizzi"). It is deliberately conservative: it never strips a suffix
// that would leave fewer than three letters, and leaves words of four letters or fewer alone
// apart from plural "s", so short medical words ("gums", "eyes", "ache") stay recognisable.

const VOWEL = /[aeiouy]/

function hasVowel(text: string): boolean {
  return VOWEL.test(text)
}

function isConsonant(word: string, index: number): boolean {
  const char = word[index]
  if (char === undefined) return false
  if ('aeiou'.includes(char)) return false
  if (char === 'y') return index === 0 || !isConsonant(word, index - 1)
  return true
}

/** Consonant-vowel-consonant ending (not w, x, y): "hop", "rub" → restore an "e" after -ing/-ed? */
function endsCvc(word: string): boolean {
  const n = word.length
  if (n < 3) return false
  const last = word[n - 1] ?? ''
  return (
    isConsonant(word, n - 1) &&
    !isConsonant(word, n - 2) &&
    isConsonant(word, n - 3) &&
    !'wxy'.includes(last)
  )
}

function endsDouble(word: string): boolean {
  const n = word.length
  return n >= 2 && word[n - 1] === word[n - 2] && isConsonant(word, n - 1)
}

/** Step 1: plurals and -ed/-ing, after Porter's step 1 with its fix-ups. */
function inflections(word: string): string {
  let w = word
  if (w.endsWith('sses')) w = w.slice(0, -2)
  else if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`
  else if (w.endsWith('ies')) w = w.slice(0, -1)
  else if (w.endsWith('s') && !/(ss|us|is)$/.test(w) && w.length > 3) w = w.slice(0, -1)

  if (w.length <= 4 || w.endsWith('eed')) return w
  const suffix = w.endsWith('ing') ? 'ing' : w.endsWith('ed') ? 'ed' : undefined
  if (!suffix) return w
  const stem = w.slice(0, -suffix.length)
  if (stem.length < 3 || !hasVowel(stem)) return w
  if (/(at|bl|iz)$/.test(stem)) return `${stem}e`
  if (endsDouble(stem) && !/[lsz]$/.test(stem)) return stem.slice(0, -1)
  if (stem.length === 3 && endsCvc(stem)) return `${stem}e`
  return stem
}

const DERIVATIONAL: [suffix: string, replacement: string][] = [
  ['fulness', 'ful'],
  ['iveness', 'ive'],
  ['ousness', 'ous'],
  ['ness', ''],
  ['ational', 'ate'],
  ['ation', 'ate'],
  ['fully', 'ful'],
  ['ful', ''],
  ['ously', 'ous'],
  ['ly', ''],
]

/** Step 2: -ness, -ful, -ly, -ation; then a final "y" → "i" and a silent "e" dropped. */
function derivations(word: string): string {
  let w = word
  for (const [suffix, replacement] of DERIVATIONAL) {
    if (!w.endsWith(suffix)) continue
    const stem = w.slice(0, -suffix.length)
    // "-ly" only after a long stem: "suddenly" → "sudden", but "belly" and "tingly" stay words.
    const minimum = suffix === 'ly' ? 5 : 3
    if (stem.length >= minimum && hasVowel(stem)) w = `${stem}${replacement}`
    break
  }
  // Adjectives and nouns in -y/-i: "itchy" → "itch", "dizziness" → "dizzi" → "dizz".
  if (w.length > 4 && /[^aeiou][yi]$/.test(w)) w = w.slice(0, -1)
  else if (w.length > 3 && w.endsWith('y') && isConsonant(w, w.length - 2)) w = `${w.slice(0, -1)}i`
  if (w.length > 4 && w.endsWith('e') && !w.endsWith('ee')) w = w.slice(0, -1)
  return w
}

/** Irregular plurals common in symptom descriptions. */
const IRREGULAR = new Map([
  ['calves', 'calf'],
  ['feet', 'foot'],
  ['teeth', 'tooth'],
  ['children', 'child'],
  ['women', 'woman'],
  ['men', 'man'],
  ['halves', 'half'],
  ['knives', 'knife'],
  ['lives', 'life'],
  ['mice', 'mouse'],
])

/** The stem of a lowercase word; digits and non-Latin words come back unchanged. */
export function stem(word: string): string {
  if (word.length <= 2 || !/^[a-z]+$/.test(word)) return word
  return derivations(inflections(IRREGULAR.get(word) ?? word))
}

/** Derivational endings the strong stemmer folds first: [ending, replacement, least word length]. */
const STRONG: [ending: string, replacement: string, minimum: number][] = [
  ['ancy', 'ant', 7],
  ['ency', 'ent', 7],
  ['ance', 'ant', 7],
  ['ence', 'ent', 7],
  ['ivity', '', 9],
  ['ity', '', 7],
  ['ive', '', 7],
  ['ment', '', 8],
  ['sion', 's', 7],
  ['tion', 't', 7],
]

/**
 * The light stem after folding derivations lay and clinical wording mix: "pregnancy" and
 * "pregnant", "intolerance" and "intolerant", "infection" and "infected", "treatment" and
 * "treat", "sensitivity" and "sensitive".
 */
export function strongStem(word: string): string {
  if (!/^[a-z]+$/.test(word)) return word
  for (const [ending, replacement, minimum] of STRONG) {
    if (word.length >= minimum && word.endsWith(ending))
      return stem(`${word.slice(0, -ending.length)}${replacement}`)
  }
  return stem(word)
}
