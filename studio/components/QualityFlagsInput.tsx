import {Box, Button, Card, Flex, Stack, Text} from '@sanity/ui'
import {useState} from 'react'
import {
  type InputProps,
  isArrayOfObjectsInputProps,
  useClient,
  useCurrentUser,
  useEditState,
  useFormValue,
} from 'sanity'
import {dismissPatch, storedFlags} from '../../domain/quality/flags.ts'
import type {StoredFlag} from '../../domain/quality/types.ts'
import {API_VERSION} from '../../schemas/apiVersion.ts'

// The import flags at the top of a question's or reply's form: each flag's sentence, and a
// Dismiss button for open ones. Dismissing is no edit of the content: it patches the published
// document (and a draft, if there is one) directly, so the document leaves "Flagged on import"
// at once and a re-import keeps updating it (the content hash does not include the flags).

function isQualityFlags(props: InputProps): boolean {
  const {schemaType} = props
  return (
    schemaType.jsonType === 'array' && schemaType.of.some((member) => member.name === 'qualityFlag')
  )
}

const day = (iso: string | undefined) => iso?.slice(0, 10) ?? 'an unknown date'

function FlagCard(props: {flag: StoredFlag; busy: boolean; onDismiss: () => void}) {
  const {flag, busy, onDismiss} = props
  const open = flag.status === 'open'
  const note = open
    ? `Raised by the import on ${day(flag.raisedAt)}`
    : `Dismissed by ${flag.dismissedBy ?? 'an editor'} on ${day(flag.dismissedAt)}`
  return (
    <Card
      padding={3}
      radius={2}
      border
      tone={open ? 'caution' : 'transparent'}
      data-testid="quality-flag"
      data-status={flag.status}
      data-code={flag.code}
    >
      <Flex gap={3} align="flex-start">
        <Stack gap={2} flex={1}>
          <Text size={1} weight={open ? 'medium' : 'regular'} muted={!open}>
            {flag.message}
          </Text>
          <Text size={0} muted>
            {note}
          </Text>
        </Stack>
        {open && (
          <Box>
            <Button
              text="Dismiss"
              mode="ghost"
              fontSize={1}
              padding={2}
              disabled={busy}
              onClick={onDismiss}
              data-testid="dismiss-flag"
            />
          </Box>
        )}
      </Flex>
    </Card>
  )
}

function QualityFlagsList(props: {value: unknown}) {
  const id = String(useFormValue(['_id']) ?? '').replace(/^drafts\./, '')
  const type = String(useFormValue(['_type']) ?? '')
  const {draft, published} = useEditState(id, type)
  const client = useClient({apiVersion: API_VERSION})
  const user = useCurrentUser()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()

  const dismiss = async (key: string) => {
    setBusy(true)
    setError(undefined)
    const patch = dismissPatch(key, user?.name ?? user?.email, new Date())
    const transaction = client.transaction()
    for (const document of [published, draft])
      if (document && storedFlags(document.quality).some((flag) => flag._key === key))
        transaction.patch(document._id, patch)
    try {
      await transaction.commit()
    } catch (failure) {
      setError(`The flag could not be dismissed: ${String(failure)}. Try again.`)
    } finally {
      setBusy(false)
    }
  }

  return (
    <Stack gap={2}>
      {storedFlags(props.value).map((flag) => (
        <FlagCard
          key={flag._key}
          flag={flag}
          busy={busy}
          onDismiss={() => void dismiss(flag._key)}
        />
      ))}
      {error && (
        <Card padding={3} radius={2} tone="critical">
          <Text size={1}>{error}</Text>
        </Card>
      )}
    </Stack>
  )
}

/** The form's input component: import flags get their list, everything else the default. */
export function QualityFlagsInput(props: InputProps) {
  if (!isArrayOfObjectsInputProps(props) || !isQualityFlags(props))
    return props.renderDefault(props)
  return <QualityFlagsList value={props.value} />
}
