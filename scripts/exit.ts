/**
 * Ends a command with `code` once what it printed has left the process. Writes to a pipe are
 * asynchronous in Node and `process.exit` drops whatever the reader has not taken yet: a reader
 * slower than the command (a loaded machine, `| less`) got the first 64 KiB of
 * `npm run similar -- --all --json` and nothing after.
 */
export async function exitWhenFlushed(code: number): Promise<never> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)])
  process.exit(code)
}

/** Resolves when every write queued before it is done (or the stream failed: nothing to wait for). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return Promise.resolve()
  return new Promise((resolve) => stream.write('', () => resolve()))
}
