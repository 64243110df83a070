import {visionTool} from '@sanity/vision'
import {defineConfig} from 'sanity'
import {structureTool} from 'sanity/structure'
import {API_VERSION} from '../schemas/apiVersion.ts'
import {schemaTypes} from '../schemas/index.ts'
import {resolveDocumentActions} from './actions/index.ts'
import {FormInput} from './components/FormInput.tsx'
import {apiHost, DATASET, PROJECT_ID, USES_LOCAL_LAKE} from './env.ts'
import {structure} from './structure/index.ts'
import {REPLY_TO_QUESTION_TEMPLATE, replyToQuestionTemplate} from './templates/index.ts'

export const studioConfig = defineConfig({
  name: 'default',
  title: 'Medical Q&A archive',
  projectId: PROJECT_ID,
  dataset: DATASET,
  // The embedded lake is the one login provider: an editor who is not signed in goes straight to
  // its sign-in page, which takes the one-time link `npm start` prints (lake/auth.ts).
  ...(USES_LOCAL_LAKE
    ? {apiHost: apiHost(), auth: {loginMethod: 'token' as const, redirectOnSingle: true}}
    : {}),
  plugins: [structureTool({structure}), visionTool({defaultApiVersion: API_VERSION})],
  // Editors publish a thread when its reply is reviewed; nothing waits for a date or ships in a
  // batch, so releases, scheduled publishing and scheduled drafts are off: no button leads to a
  // feature the archive does not use (and the embedded lake does not have). README: Studio.
  releases: {enabled: false},
  scheduledPublishing: {enabled: false},
  scheduledDrafts: {enabled: false},
  // Tasks and comments live in an add-on dataset, which the embedded lake does not provide.
  tasks: {enabled: !USES_LOCAL_LAKE},
  form: {components: {input: FormInput}},
  schema: {
    types: schemaTypes,
    templates: (previous) => [...previous, replyToQuestionTemplate],
  },
  document: {
    comments: {enabled: !USES_LOCAL_LAKE},
    actions: resolveDocumentActions,
    // The reply template needs a question: offer it from the question, not the global "Create" menu.
    newDocumentOptions: (previous, {creationContext}) =>
      creationContext.type === 'global'
        ? previous.filter((item) => item.templateId !== REPLY_TO_QUESTION_TEMPLATE)
        : previous,
  },
})
