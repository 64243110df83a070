import {defineCliConfig} from 'sanity/cli'

export default defineCliConfig({
  // As in Sanity's templates: the CLI (deploy, dataset import, migration run…) works on the
  // project the Studio is configured for (studio/env.ts).
  api: {
    projectId: process.env.SANITY_STUDIO_PROJECT_ID || 'local',
    dataset: process.env.SANITY_STUDIO_DATASET || 'production',
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
