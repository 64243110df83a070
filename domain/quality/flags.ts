import {FLAG_CODES, type Finding, type FlagCode, type StoredFlag} from './types.ts'

// Flags as stored on a question or reply (`quality`), and how a new run of the detectors
// changes them. The rules an editor relies on:
// - a dismissed flag stays dismissed, and its code is never raised again on that document;
// - an open flag whose detector still fires keeps its key and raisedAt, with the new message;
// - an open flag whose detector no longer fires is removed (the text was fixed);
// - detectors that did not run (they need the dataset) leave their open flags alone.
// One flag per code and document: its `_key` is the code.

const isFlagCode = (value: unknown): value is FlagCode =>
  typeof value === 'string' && (FLAG_CODES as readonly string[]).includes(value)

/** The flags of a stored `quality` value, whatever shape the document is in. */
export function storedFlags(value: unknown): StoredFlag[] {
  if (!Array.isArray(value)) return []
  return value.filter(
    (item): item is StoredFlag =>
      typeof item === 'object' && item !== null && typeof item._key === 'string',
  )
}

export function openFlagCount(value: unknown): number {
  return storedFlags(value).filter((flag) => flag.status === 'open').length
}

/** "⚑ 2 flags" for a preview subtitle, or undefined without open flags. */
export function openFlagsLabel(value: unknown): string | undefined {
  const count = openFlagCount(value)
  return count > 0 ? `⚑ ${count} ${count === 1 ? 'flag' : 'flags'}` : undefined
}

/** Findings for one document as open flags raised at `raisedAt` (the first finding per code). */
export function flagsOf(findings: readonly Finding[], raisedAt: string): StoredFlag[] {
  const flags = new Map<FlagCode, StoredFlag>()
  for (const finding of findings) {
    if (flags.has(finding.code)) continue
    const {excerpt, statedGender, duplicateOf} = finding.detail ?? {}
    const detail = {
      ...(excerpt ? {excerpt} : {}),
      ...(statedGender ? {statedGender} : {}),
      ...(duplicateOf
        ? {duplicateOf: {_type: 'reference' as const, _ref: duplicateOf, _weak: true}}
        : {}),
    }
    flags.set(finding.code, {
      _key: finding.code,
      _type: 'qualityFlag',
      code: finding.code,
      message: finding.message,
      status: 'open',
      raisedAt,
      ...(Object.keys(detail).length > 0 ? {detail} : {}),
    })
  }
  return [...flags.values()]
}

/**
 * The flags a document should carry after the detectors ran again: `raised` are the flags they
 * raise now, `stored` the document's current `quality`; `evaluated` tells which codes ran.
 */
export function mergeFlags(
  raised: readonly StoredFlag[],
  stored: unknown,
  evaluated: (code: FlagCode) => boolean = () => true,
): StoredFlag[] {
  const before = storedFlags(stored)
  const dismissed = new Set(before.filter((f) => f.status === 'dismissed').map((f) => f.code))
  const now = new Map(raised.filter((f) => !dismissed.has(f.code)).map((f) => [f.code, f]))
  const kept = before.flatMap((flag): StoredFlag[] => {
    if (flag.status === 'dismissed') return [flag]
    const again = flag.code ? now.get(flag.code) : undefined
    if (!again) return isFlagCode(flag.code) && evaluated(flag.code) ? [] : [flag]
    now.delete(flag.code)
    const {detail: _previous, ...rest} = flag
    return [{...rest, message: again.message, ...(again.detail ? {detail: again.detail} : {})}]
  })
  return [...kept, ...now.values()]
}

/** The patch that dismisses flag `key`, recording who and when (whatever else the flag says). */
export function dismissPatch(key: string, editor: string | undefined, now: Date) {
  const at = `quality[_key=="${key}"]`
  return {
    set: {
      [`${at}.status`]: 'dismissed',
      [`${at}.dismissedAt`]: now.toISOString(),
      [`${at}.dismissedBy`]: editor ?? 'unknown editor',
    },
  }
}
