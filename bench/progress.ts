// Progress for long steps, on stderr so stdout keeps only the report: an updating line on a TTY,
// otherwise one line every few seconds.

const LINE_INTERVAL_MS = 3000
const TTY_INTERVAL_MS = 100

export interface Progress {
  /** Reports `done` units out of the step's total. */
  update: (done: number) => void
  /** Ends the step with a summary line. */
  finish: (summary: string) => void
}

export function log(line: string) {
  process.stderr.write(`${line}\n`)
}

export function progress(label: string, total: number, unit: string): Progress {
  const tty = process.stderr.isTTY === true
  const started = performance.now()
  let last = started
  const line = (done: number) => {
    const seconds = (performance.now() - started) / 1000
    const percent = total > 0 ? Math.floor((done / total) * 100) : 100
    return `  ${label}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${unit} (${percent}%) ${seconds.toFixed(1)}s`
  }
  return {
    update(done) {
      const now = performance.now()
      if (now - last < (tty ? TTY_INTERVAL_MS : LINE_INTERVAL_MS)) return
      last = now
      if (tty) process.stderr.write(`\r${line(done)}\x1b[K`)
      else log(line(done))
    },
    finish(summary) {
      if (tty) process.stderr.write('\r\x1b[K')
      log(`  ${label}: ${summary}`)
    },
  }
}
