import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { test } from 'node:test'
import { CATEGORIES, lighthouseMarkdown, median, type LighthouseReport } from '../../scripts/lighthouse-report.js'

/** docs/lighthouse.json and .md are written by npm run lighthouse (a measurement, not run by npm test): their shape, and that they agree. */

const DOCS = path.resolve(import.meta.dirname, '../../docs')

test('median: the middle value, or the mean of the two middle ones', () => {
  assert.equal(median([97, 100, 95]), 97)
  assert.equal(median([90, 100]), 95)
})

test('the committed Lighthouse report covers the four pages, each category a median of at least 3 runs, and the Markdown is its rendering', async () => {
  const report = JSON.parse(await readFile(path.join(DOCS, 'lighthouse.json'), 'utf8')) as LighthouseReport
  assert.equal(report.lighthouse, '12.2.3')
  assert.match(report.profile, /^mobile/)
  assert.ok(report.runsPerPage >= 3)
  assert.deepEqual(report.pages.map((p) => p.name), ['home', 'category', 'product', 'cart'])
  for (const page of report.pages) {
    assert.equal(page.runs.length, report.runsPerPage, page.name)
    for (const c of CATEGORIES) {
      assert.ok(Number.isInteger(page.scores[c]) && page.scores[c] >= 0 && page.scores[c] <= 100, `${page.name} ${c}`)
      assert.equal(page.scores[c], median(page.runs.map((r) => r[c])), `${page.name} ${c} is the median of its runs`)
    }
  }
  assert.equal(await readFile(path.join(DOCS, 'lighthouse.md'), 'utf8'), lighthouseMarkdown(report))
})
