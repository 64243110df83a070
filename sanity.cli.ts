import {defineCliConfig} from 'sanity/cli'

const STUDIO_ENV = ['SANITY_PROJECT_ID', 'SANITY_DATASET', 'SANITY_API_HOST'] as const

export default defineCliConfig({
  api: {
    projectId: process.env.SANITY_PROJECT_ID || 'local',
    dataset: process.env.SANITY_DATASET || 'production',
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
  // Bake the target project into the Studio bundle (never the token) so one build can point at
  // the embedded lake or at a real project.
  vite: (config) => ({
    ...config,
    define: {
      ...config.define,
      ...Object.fromEntries(
        STUDIO_ENV.map((key) => [`process.env.${key}`, JSON.stringify(process.env[key] ?? '')]),
      ),
    },
  }),
})
