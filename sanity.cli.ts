import {defineCliConfig} from 'sanity/cli'
import {DATASET, PROJECT_ID} from './studio/env.ts'

export default defineCliConfig({
  // As in Sanity's templates: the CLI (deploy, dataset import, migration run…) works on the
  // project the Studio is configured for (studio/env.ts).
  api: {
    projectId: PROJECT_ID,
    dataset: DATASET,
  },
  deployment: {autoUpdates: false},
  typegen: {
    path: [
      './queries/**/*.ts',
      './similar/**/*.ts',
      './domain/**/*.ts',
      './schemas/**/*.ts',
      './importer/**/*.ts',
      './scripts/**/*.ts',
      './lake/**/*.ts',
      './web/**/*.ts',
      './migrations/**/*.ts',
      './migrator/**/*.ts',
      './studio/**/*.ts',
      './counts/**/*.ts',
    ],
    schema: './schema.json',
    generates: './sanity.types.ts',
    overloadClientMethods: true,
  },
})
