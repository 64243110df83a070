// Where the Studio points. In the browser bundle these are replaced at build time (see the `vite`
// hook in sanity.cli.ts); in the CLI they are read from the environment. The token never is.

export const PROJECT_ID = process.env.SANITY_PROJECT_ID || 'local'
export const DATASET = process.env.SANITY_DATASET || 'production'
/** Empty means Sanity's hosted API; the embedded lake sets its own URL here. */
export const API_HOST = process.env.SANITY_API_HOST || ''
