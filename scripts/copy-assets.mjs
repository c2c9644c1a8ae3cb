// Copies what tsc does not: the SQL migrations and the data files (demo-data.json) next to the compiled services, and the storefront's static files.
import { cpSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'

function walk(dir) {
  for (const entry of readdirSync(dir)) {
    const from = path.join(dir, entry)
    if (statSync(from).isDirectory()) walk(from)
    else if (entry.endsWith('.sql') || entry.endsWith('.json') || path.basename(dir) === 'assets') cpSync(from, from.replace(/^src/, 'dist'), { recursive: true })
  }
}
walk('src')
