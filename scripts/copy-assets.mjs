// Copies what tsc does not: the SQL migrations and the data files (demo-data.json) next to the compiled services, and the storefront's static files.
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'

function walk(dir) {
  for (const entry of readdirSync(dir)) {
    const from = path.join(dir, entry)
    if (statSync(from).isDirectory()) walk(from)
    else if (entry.endsWith('.sql') || entry.endsWith('.json') || path.basename(dir) === 'assets') cpSync(from, from.replace(/^src/, 'dist'), { recursive: true })
  }
  // A migration renamed or removed in src/ must not live on in dist/: the migrator would find two
  // files of one version. (dist/ is not emptied as a whole: prod:start builds while other processes may run from it.)
  if (path.basename(dir) === 'migrations') {
    const built = dir.replace(/^src/, 'dist')
    for (const entry of existsSync(built) ? readdirSync(built) : []) if (!existsSync(path.join(dir, entry))) rmSync(path.join(built, entry), { force: true })
  }
}
walk('src')
