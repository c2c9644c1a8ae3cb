import assert from 'node:assert/strict'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { TestContext } from 'node:test'
import { AxeBuilder } from '@axe-core/playwright'
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core'
import sharp from 'sharp'
import type { BuiltApp } from '../../src/app.js'
import { buildTestApp } from '../helpers/build-app.js'
import { until } from '../helpers/events.js'

/**
 * End-to-end helpers: the real app (built in process on a cloned database,
 * listening on a port the kernel picks) driven by Debian's Chromium through
 * playwright-core. No browser is ever downloaded.
 */

export const CHROMIUM = '/usr/bin/chromium'
// Playwright starts Chromium with a fresh temporary --user-data-dir of its own (it refuses the flag in args).
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
export const SCREENSHOTS = path.resolve('docs/screenshots')
export const PHONE = { width: 390, height: 844 }
export const DESKTOP = { width: 1280, height: 900 }

export interface Shop {
  built: BuiltApp
  base: string
}

/** The embedded shop with a small demo catalog, listening on 127.0.0.1 on a port the kernel picks. */
export async function startShop(t: Pick<TestContext, 'after'>, env: Record<string, string> = {}): Promise<Shop> {
  const built = await buildTestApp(t, { env: { SEED_DEMO_PRODUCTS: '120', AUTH_RATE_LIMIT_MAX: '1000', ...env } })
  await built.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = built.app.server.address() as { port: number }
  return { built, base: `http://127.0.0.1:${port}` }
}

export async function launchBrowser(t: Pick<TestContext, 'after'>): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
  t.after(() => browser.close())
  return browser
}

/**
 * A page whose console errors, uncaught exceptions and failed requests are
 * collected (CSP violations show up as console errors); `assertClean` fails
 * the test with them. Dialogs (confirm) are accepted; an alert() would be
 * recorded as a script that ran.
 */
export interface WatchedPage {
  page: Page
  context: BrowserContext
  problems: string[]
  dialogs: string[]
  assertClean(): void
}

export async function openPage(browser: Browser, viewport = DESKTOP, options: BrowserContextOptions = {}): Promise<WatchedPage> {
  const context = await browser.newContext({ ...options, viewport })
  const page = await context.newPage()
  const problems: string[] = []
  const dialogs: string[] = []
  // Chromium logs a page answered with a 4xx (a form sent back with its error, 402 for a declined card) as a
  // console error; the tests check those statuses themselves. A failed script, style or picture still counts.
  const documents = new Set<string>()
  page.on('request', (r) => {
    if (r.isNavigationRequest() && r.frame() === page.mainFrame()) documents.add(r.url())
  })
  page.on('console', (m) => {
    if (m.type() === 'error' && /^Failed to load resource: the server responded with a status of 4\d\d\b/.test(m.text()) && documents.has(m.location().url)) return
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()} on ${page.url()}: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`uncaught on ${page.url()}: ${e.message}`))
  page.on('requestfailed', (r) => {
    // A navigation cancels what the page before it was still loading (its icon, say): not a fault.
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`)
  })
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`)
    void d.accept()
  })
  return {
    page,
    context,
    problems,
    dialogs,
    assertClean() {
      assert.deepEqual(problems, [], 'the pages logged errors')
    },
  }
}

/** axe-core on the current page: no violations of any rule (WCAG 2.x A/AA and best practices). */
export async function assertAccessible(page: Page, what: string) {
  const result = await new AxeBuilder({ page }).analyze()
  const violations = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)
  assert.deepEqual(violations, [], `axe found violations on ${what} (${page.url()})`)
}

/** Share of pixels that may differ (a date, a demo picture drawn a moment later) before a screenshot is rewritten. */
const SCREENSHOT_CHANGE = 0.02

/**
 * Saves the README's screenshot, unless it looks like the one already there: a
 * run leaves the worktree clean when the pages did not change meaningfully
 * (PNG bytes differ from run to run even when the pictures do not).
 */
export async function screenshot(page: Page, name: string, fullPage = false) {
  await mkdir(SCREENSHOTS, { recursive: true })
  const file = path.join(SCREENSHOTS, `${name}.png`)
  const shot = await page.screenshot({ fullPage, animations: 'disabled' })
  const old = await readFile(file).catch(() => undefined)
  if (old && (await changedShare(old, shot)) <= SCREENSHOT_CHANGE) return
  await writeFile(file, shot)
}

async function changedShare(a: Buffer, b: Buffer): Promise<number> {
  const [x, y] = await Promise.all([a, b].map((png) => sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true })))
  if (x!.info.width !== y!.info.width || x!.info.height !== y!.info.height) return 1
  let changed = 0
  for (let i = 0; i < x!.data.length; i += 4) {
    if (Math.abs(x!.data[i]! - y!.data[i]!) + Math.abs(x!.data[i + 1]! - y!.data[i + 1]!) + Math.abs(x!.data[i + 2]! - y!.data[i + 2]!) > 24) changed++
  }
  return changed / (x!.info.width * x!.info.height)
}

interface MailSummary {
  id: string
  to: string
  subject: string
  template?: string
}

/** The dev mailbox, read the way a developer would: /dev/mail from loopback. Waits for a matching e-mail. */
export async function waitForMail(base: string, match: (m: MailSummary) => boolean): Promise<{ subject: string; text: string; html: string }> {
  const found = await until(
    'the e-mail',
    async () => {
      const res = await fetch(`${base}/dev/mail`, { headers: { accept: 'application/json' } })
      const { items } = (await res.json()) as { items: MailSummary[] }
      return items.find(match)
    },
    30_000,
  )
  const res = await fetch(`${base}/dev/mail/${found.id}`, { headers: { accept: 'application/json' } })
  return (await res.json()) as { subject: string; text: string; html: string }
}
