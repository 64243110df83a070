import {existsSync} from 'node:fs'
import {type Browser, chromium} from 'playwright-core'

// Browser tests drive Debian's Chromium (apt package `chromium`), never a downloaded browser, with
// the flags that keep it off the network this machine does not have.
const CHROMIUM = '/usr/bin/chromium'

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Browser tests need Debian's Chromium at ${CHROMIUM}: run "apt-get install chromium" ` +
        '(.ci/run installs it in CI).',
    )
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  })
}
