import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { test } from 'node:test'
import { pathToFileURL } from 'node:url'
import type { ErrorFactory } from '../../src/platform/errors.js'

/**
 * Error codes are API: each is declared once per owner in an errors.ts, with its
 * status, and the README's error table lists exactly the declared codes.
 */

const ROOT = path.resolve(import.meta.dirname, '../..')

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : [path.join(dir, e.name)])))
  return nested.flat().filter((f) => f.endsWith('.ts'))
}

function isDeclaration(value: unknown): value is ErrorFactory<unknown[]> {
  return typeof value === 'function' && typeof (value as { code?: unknown }).code === 'string' && typeof (value as { status?: unknown }).status === 'number'
}

/** code -> statuses, from every errors.ts under src/. */
async function declaredCodes(): Promise<Map<string, Set<number>>> {
  const codes = new Map<string, Set<number>>()
  const files = (await sourceFiles(path.join(ROOT, 'src'))).filter((f) => path.basename(f) === 'errors.ts')
  assert.ok(files.length >= 6, `the platform's and every service's errors.ts: ${files.join(', ')}`)
  for (const file of files) {
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>
    for (const value of Object.values(module)) {
      if (!isDeclaration(value)) continue
      codes.set(value.code, (codes.get(value.code) ?? new Set()).add(value.status))
    }
  }
  return codes
}

/** code -> status, from the README's table between the error-codes markers. */
async function readmeCodes(): Promise<Map<string, number>> {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8')
  const table = /<!-- error-codes[^>]*-->([\s\S]*?)<!-- \/error-codes -->/.exec(readme)?.[1]
  assert.ok(table, 'the README has an error table between <!-- error-codes --> markers')
  const codes = new Map<string, number>()
  for (const line of table.split('\n')) {
    const row = /^\| `([A-Z0-9_]+)` \| (\d{3})\b/.exec(line)
    if (!row) continue
    assert.ok(!codes.has(row[1]!), `${row[1]} is listed once`)
    codes.set(row[1]!, Number(row[2]))
  }
  return codes
}

test('a code means one status wherever it is declared', async () => {
  for (const [code, statuses] of await declaredCodes()) {
    assert.equal(statuses.size, 1, `${code} is declared with statuses ${[...statuses].join(', ')}`)
  }
})

test("the README's error table lists every declared code with its status, and nothing else", async () => {
  const declared = await declaredCodes()
  const listed = await readmeCodes()
  const missing = [...declared.keys()].filter((c) => !listed.has(c))
  const unknown = [...listed.keys()].filter((c) => !declared.has(c))
  assert.deepEqual(missing, [], 'declared but not in the README')
  assert.deepEqual(unknown, [], 'in the README but declared nowhere')
  for (const [code, status] of listed) assert.ok(declared.get(code)!.has(status), `${code}: README says ${status}, declared ${[...declared.get(code)!]}`)
})

test('call sites use the declarations: no error code is typed outside an errors.ts', async () => {
  const offenders: string[] = []
  for (const file of await sourceFiles(path.join(ROOT, 'src'))) {
    if (path.basename(file) === 'errors.ts') continue
    const text = await readFile(file, 'utf8')
    for (const [i, line] of text.split('\n').entries()) {
      if (/new [A-Za-z]*Error\(\s*'[A-Z][A-Z0-9_]+'|declareError\(/.test(line)) offenders.push(`${path.relative(ROOT, file)}:${i + 1}: ${line.trim()}`)
    }
  }
  assert.deepEqual(offenders, [])
})
