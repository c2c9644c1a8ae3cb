import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, test } from 'node:test'
import { freePort } from '../helpers/ports.js'

/**
 * `npm run loadtest -- --quick` as CI runs it: against the embedded shop, which the
 * command starts itself on a port from the kernel (the whole PM2 + nginx topology
 * takes minutes to start on a loaded 2-core machine; test/integration/prod-*.test.ts
 * cover it), with the nginx ceiling on a port from the kernel. Only the report's
 * contents are asserted, never a duration or a throughput.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'emporium-loadtest-'))
after(() => rmSync(dir, { recursive: true, force: true }))

async function runQuick(): Promise<{ code: number | null; out: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/loadtest.ts', '--quick', '--target', 'embedded', '--out', path.join(dir, 'reports'), '--data-dir', path.join(dir, 'data'), '--ceiling-port', String(await freePort())],
    { env: { ...process.env, PROD_DIR: path.join(dir, 'var'), PROD_ENV_FILE: path.join(dir, 'none.env') }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), 240_000)
  const [code] = await once(child, 'exit')
  clearTimeout(timer)
  return { code: code as number | null, out }
}

test('loadtest --quick writes a JSON and an HTML report with 0 failed requests, 0 oversold and every order e-mail sent', { timeout: 300_000 }, async () => {
  let run = await runQuick()
  // The ceiling's port came from the kernel on 127.0.0.1 and is bound on 127.0.1.1: taken in between is possible, once.
  if (run.code !== 0 && /Address already in use/.test(run.out)) run = await runQuick()
  assert.equal(run.code, 0, run.out)
  const files = readdirSync(path.join(dir, 'reports'))
  const json = files.find((f) => /^loadtest-.*\.json$/.test(f))
  const html = files.find((f) => /^loadtest-.*\.html$/.test(f))
  assert.ok(json && html, `report files: ${files.join(', ')}\n${run.out}`)
  const report = JSON.parse(readFileSync(path.join(dir, 'reports', json), 'utf8'))
  const scenarios = Object.entries(report.scenarios) as [string, { failed: number; complete: number; requests: number }][]
  assert.ok(scenarios.some(([k]) => k.startsWith('ceiling: ')) && scenarios.some(([k]) => k.startsWith('shop: ')), Object.keys(report.scenarios).join(', '))
  for (const [name, s] of scenarios) {
    assert.equal(s.failed, 0, `${name}: ${JSON.stringify(s)}`)
    assert.equal(s.complete, s.requests, name)
  }
  assert.equal(report.mixed.failed, 0, JSON.stringify(report.mixed.failures))
  assert.ok(report.mixed.orders > 0, 'the shoppers placed orders')
  assert.equal(report.mixed.oversold, 0)
  assert.deepEqual(report.mixed.stockMismatches, [])
  assert.equal(report.mixed.emailsSent, report.mixed.emailsExpected)
  assert.equal(report.targets[0].pass, true, JSON.stringify(report.targets[0]))
  assert.ok(Object.keys(report.ratios).length > 0, 'ratios to the ceiling')
  assert.ok(report.samples.length > 0 && report.samples.some((s: { services: object }) => 'embedded' in s.services), 'the shop process was sampled')
  assert.ok(report.samples.some((s: { appCache: { hit: number; miss: number } }) => s.appCache.hit + s.appCache.miss > 0), 'the app cache counters were scraped (/metrics with its token)')
  const page = readFileSync(path.join(dir, 'reports', html), 'utf8')
  assert.match(page, /<svg/)
  assert.doesNotMatch(page, /<script|https?:\/\/cdn/i)
})
