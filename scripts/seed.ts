/**
 * npm run seed -- --products N [--reset]
 * Adds N generated products (with categories and deals) to the catalog of the
 * configured database: PostgreSQL when DATABASE_URL is set, else the embedded
 * database under DATA_DIR. --reset empties the catalog first.
 */
import { parseArgs } from 'node:util'
import { SingleBar, Presets } from 'cli-progress'
import { pino } from 'pino'
import { ConfigError, loadConfig } from '../src/platform/config.js'
import { migrate } from '../src/platform/db/migrate.js'
import { connect } from '../src/platform/deps.js'
import { createMetrics } from '../src/platform/metrics.js'
import { productConfig } from '../src/services/product/config.js'
import { seedDemoCatalog } from '../src/services/product/demo-catalog.js'
import { productService } from '../src/services/product/index.js'

async function main() {
  const { values } = parseArgs({
    options: {
      products: { type: 'string', default: '10000' },
      reset: { type: 'boolean', default: false },
      batch: { type: 'string', default: '10000' },
    },
  })
  const count = Number(values.products)
  const batchSize = Number(values.batch)
  if (!Number.isSafeInteger(count) || count < 1 || count > 50_000_000) throw new Error('--products must be a whole number from 1 to 50,000,000')
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 100_000) throw new Error('--batch must be from 1 to 100,000')

  const config = loadConfig(productConfig)
  const log = pino({ level: 'warn' })
  const deps = await connect(config, { name: 'seed', pool: { max: 2, min: 0 }, log, metrics: createMetrics('seed', { defaultMetrics: false }) })
  try {
    await migrate(deps.db, productService.migrations)
    if (values.reset) await deps.db.exec('truncate catalog.deals, catalog.products, catalog.categories restart identity cascade')
    const where = config.DATABASE_URL ? 'PostgreSQL' : `the embedded database in ${config.DATA_DIR}`
    console.log(`Seeding ${count.toLocaleString('en')} products into ${where}`)
    const bar = new SingleBar({ format: ' {bar} {percentage}% | {value}/{total} products | {rate}/s | ETA {eta}s', hideCursor: true }, Presets.shades_classic)
    const started = Date.now()
    bar.start(count, 0, { rate: 0 })
    const { first, last } = await seedDemoCatalog(deps.db, count, {
      batchSize,
      onProgress: (done) => bar.update(done, { rate: Math.round(done / ((Date.now() - started) / 1000)) }),
    })
    bar.stop()
    const seconds = (Date.now() - started) / 1000
    console.log(`Done: products ${first}..${last} in ${seconds.toFixed(1)} s (${Math.round(count / seconds).toLocaleString('en')} products/s)`)
  } finally {
    await deps.close()
  }
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `seed: ${err.message}` : `seed: ${(err as Error).message}`)
  process.exit(1)
})
