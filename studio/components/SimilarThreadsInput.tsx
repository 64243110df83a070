import {PinIcon} from '@sanity/icons/Pin'
import {PinRemovedIcon} from '@sanity/icons/PinRemoved'
import {RestoreIcon} from '@sanity/icons/Restore'
import {LinkRemovedIcon} from '@sanity/icons/LinkRemoved'
import {Badge, Box, Button, Card, Flex, Stack, Text} from '@sanity/ui'
import {getPublishedId} from '@sanity/client/csm'
import type {PatchOperations} from '@sanity/client'
import {type ReactNode, useState} from 'react'
import {
  type ArrayOfObjectsInputProps,
  type InputProps,
  isArrayOfObjectsInputProps,
  type SchemaType,
  useCurrentUser,
  useDocumentOperation,
  useFormValue,
  useSchema,
} from 'sanity'
import {
  excludePatches,
  pinPatches,
  unexcludePatches,
  unpinPatches,
} from '../../similar/editorial.ts'
import {isCurated, type SimilarEntry, type SimilarExclusionEntry} from '../../similar/entries.ts'
import {isObject} from '../../domain/json.ts'

// A question's similar threads as editors triage them: each entry with where it comes from and
// its score, and Pin / Unpin and Exclude buttons; below, the excluded threads with Un-exclude.
// The buttons patch the document through the Studio's own document operations, so they go into
// the draft like any edit and reach readers on publish; the similar-thread engine then fills the
// gap an exclusion left (similar/freshness.ts). The default array editor stays one click away
// for adding a thread by hand.

/** The `similar` field of a question. */
export function isSimilarList(props: InputProps): props is ArrayOfObjectsInputProps {
  return (
    isArrayOfObjectsInputProps(props) &&
    props.path.length === 1 &&
    props.path[0] === 'similar' &&
    props.schemaType.of.some((member) => member.name === 'similarThread')
  )
}

function isSimilarEntry(value: unknown): value is SimilarEntry {
  return isObject(value) && typeof value._key === 'string' && value._type === 'similarThread'
}

function isExclusion(value: unknown): value is SimilarExclusionEntry {
  return isObject(value) && typeof value._key === 'string' && value._type === 'similarExclusion'
}

const listOf = <T,>(value: unknown, guard: (item: unknown) => item is T): T[] =>
  Array.isArray(value) ? value.filter(guard) : []

const ORIGIN: Record<string, {label: string; tone: 'positive' | 'primary' | 'default'}> = {
  curated: {label: 'Pinned', tone: 'positive'},
  imported: {label: 'From the source page', tone: 'primary'},
  computed: {label: 'Suggested', tone: 'default'},
}

function originOf(entry: SimilarEntry) {
  return isCurated(entry) ? 'curated' : (entry.provenance ?? 'curated')
}

function EntryRow(props: {
  entry: SimilarEntry
  preview: ReactNode
  disabled: boolean
  onPin: () => void
  onUnpin: () => void
  onExclude: () => void
}) {
  const {entry, preview, disabled} = props
  const origin = originOf(entry)
  const {label, tone} = ORIGIN[origin] ?? {label: origin, tone: 'default'}
  const pinned = origin === 'curated'
  return (
    <Card
      padding={2}
      radius={2}
      border
      tone={pinned ? 'positive' : 'default'}
      data-testid="similar-entry"
      data-origin={origin}
      data-question={entry.question?._ref ?? ''}
    >
      <Stack gap={2}>
        {preview}
        <Flex gap={2} align="center" wrap="wrap">
          <Badge tone={tone} data-testid="similar-origin">
            {label}
          </Badge>
          <Text size={1} muted data-testid="similar-score">
            {typeof entry.score === 'number' ? `score ${entry.score.toFixed(2)}` : 'no score'}
          </Text>
          <Box flex={1} />
          {pinned ? (
            <Button
              text="Unpin"
              icon={PinRemovedIcon}
              mode="ghost"
              fontSize={1}
              padding={2}
              disabled={disabled}
              onClick={props.onUnpin}
              data-testid="unpin-similar"
            />
          ) : (
            <Button
              text="Pin"
              icon={PinIcon}
              mode="ghost"
              fontSize={1}
              padding={2}
              disabled={disabled}
              onClick={props.onPin}
              data-testid="pin-similar"
            />
          )}
          <Button
            text="Exclude"
            icon={LinkRemovedIcon}
            mode="ghost"
            tone="critical"
            fontSize={1}
            padding={2}
            disabled={disabled}
            onClick={props.onExclude}
            data-testid="exclude-similar"
          />
        </Flex>
      </Stack>
    </Card>
  )
}

function ExclusionRow(props: {
  exclusion: SimilarExclusionEntry
  preview: ReactNode
  disabled: boolean
  onUnexclude: () => void
}) {
  const {exclusion, preview, disabled} = props
  return (
    <Card
      padding={1}
      radius={2}
      border
      tone="transparent"
      data-testid="similar-excluded"
      data-question={exclusion.question?._ref ?? ''}
    >
      <Flex gap={2} align="center">
        <Box flex={1}>{preview}</Box>
        <Button
          text="Un-exclude"
          icon={RestoreIcon}
          mode="ghost"
          fontSize={1}
          padding={2}
          disabled={disabled}
          onClick={props.onUnexclude}
          data-testid="unexclude-similar"
        />
      </Flex>
    </Card>
  )
}

/** The form's input for `question.similar`. */
export function SimilarThreadsInput(props: ArrayOfObjectsInputProps) {
  const id = getPublishedId(String(useFormValue(['_id']) ?? ''))
  const type = String(useFormValue(['_type']) ?? 'question')
  const entries = listOf(props.value, isSimilarEntry)
  const exclusions = listOf(useFormValue(['similarExcluded']), isExclusion)
  const {patch} = useDocumentOperation(id, type)
  const user = useCurrentUser()
  const schema = useSchema()
  const [editing, setEditing] = useState(false)
  const entryType = props.schemaType.of.find((member) => member.name === 'similarThread')
  const exclusionType = schema.get('similarExclusion')
  const disabled = Boolean(props.readOnly) || Boolean(patch.disabled)

  const apply = (patches: PatchOperations[]) => {
    if (patches.length > 0) patch.execute(patches)
  }
  const preview = (schemaType: SchemaType | undefined, value: unknown) =>
    schemaType ? props.renderPreview({schemaType, value, layout: 'default'}) : null

  return (
    <Stack gap={2} data-testid="similar-threads">
      {entries.length === 0 && (
        <Card padding={3} radius={2} border tone="transparent">
          <Text size={1} muted>
            No similar threads yet: they are computed once the question is published.
          </Text>
        </Card>
      )}
      {entries.map((entry) => (
        <EntryRow
          key={entry._key}
          entry={entry}
          preview={preview(entryType, entry)}
          disabled={disabled}
          onPin={() => apply(pinPatches(entries, entry._key))}
          onUnpin={() => apply(unpinPatches(entries, entry._key))}
          onExclude={() =>
            apply(
              excludePatches(entries, exclusions, entry._key, {
                by: user?.name ?? user?.email,
                at: new Date(),
              }),
            )
          }
        />
      ))}
      {exclusions.length > 0 && (
        <Stack gap={2} paddingTop={2}>
          <Text size={1} weight="medium">
            Excluded ({exclusions.length})
          </Text>
          {exclusions.map((exclusion) => (
            <ExclusionRow
              key={exclusion._key}
              exclusion={exclusion}
              preview={preview(exclusionType, exclusion)}
              disabled={disabled}
              onUnexclude={() => apply(unexcludePatches(entries, exclusions, exclusion._key))}
            />
          ))}
        </Stack>
      )}
      <Box>
        <Button
          text={editing ? 'Close the list editor' : 'Add or reorder by hand'}
          mode="bleed"
          fontSize={1}
          padding={2}
          onClick={() => setEditing(!editing)}
          data-testid="edit-similar-by-hand"
        />
      </Box>
      {editing && props.renderDefault(props)}
    </Stack>
  )
}
