import type {InputProps} from 'sanity'
import {QualityFlagsInput} from './QualityFlagsInput.tsx'
import {isSimilarList, SimilarThreadsInput} from './SimilarThreadsInput.tsx'

/** The form's custom inputs: similar threads, import flags; every other field the default. */
export function FormInput(props: InputProps) {
  if (isSimilarList(props)) return <SimilarThreadsInput {...props} />
  return <QualityFlagsInput {...props} />
}
