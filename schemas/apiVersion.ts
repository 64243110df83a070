/** API version every client in this project uses; ≥ 2025-02-19 makes `published` the default perspective. */
export const API_VERSION = '2025-02-19'
