import {studioConfig} from './studio/config.ts'

// Thin root config so the Sanity CLI finds the top-level migrations/ folder.
export default studioConfig
