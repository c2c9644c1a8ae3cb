import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { TestContext } from 'node:test'
import { Registry } from 'prom-client'
import { loadConfig } from '../../src/platform/config.js'
import { imageConfig } from '../../src/services/product/images/config.js'
import { createImages, type Images } from '../../src/services/product/images/images.js'

/** The image pipeline with the settings' defaults (unless overridden), in a fresh data dir, closed after the test. */
export async function buildTestImages(t: Pick<TestContext, 'after'>, env: Record<string, string> = {}) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'emporium-images-'))
  const registry = new Registry()
  const config = loadConfig(imageConfig, { DATA_DIR: dataDir, ...env })
  const images: Images = createImages(config, registry)
  t.after(async () => {
    await images.close()
    await rm(dataDir, { recursive: true, force: true })
  })
  return { images, registry, config, dataDir }
}
