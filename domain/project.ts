// The project id of the embedded lake: the lake answers to it, its clients and the Studio built
// for it use it (and a Studio seeing it talks to the server it was loaded from).
export const LOCAL_PROJECT_ID = 'local'
