import type {Locator} from 'playwright-core'
import {expect} from 'vitest'

/** How long a browser test waits for the Studio's UI (a cold Studio on a busy machine is slow). */
export const UI_TIMEOUT = 60_000

/**
 * Clicks Publish in `pane` once Studio shows the document saved and valid (four checks in a row,
 * a quarter second apart), then waits until the lake has it (`isPublished`). Returns the Publish
 * button, for callers that also wait for Studio to catch up.
 */
export async function publishWhenSettled(
  pane: Locator,
  isPublished: () => Promise<boolean>,
): Promise<Locator> {
  let settledChecks = 0
  await expect
    .poll(
      async () => {
        const saving = /Saving/.test(await pane.getByTestId('pane-footer').innerText())
        const errors = await pane.getByTestId('input-validation-icon-error').count()
        settledChecks = saving || errors > 0 ? 0 : settledChecks + 1
        return settledChecks
      },
      {timeout: UI_TIMEOUT, interval: 250},
    )
    .toBeGreaterThanOrEqual(4)
  const button = pane.getByTestId('action-publish')
  await button.click({timeout: UI_TIMEOUT})
  await expect.poll(isPublished, {timeout: 30_000, interval: 250}).toBe(true)
  return button
}
