/**
 * npm run storefront:assets -- <dir>: copies the storefront's static files
 * under their fingerprinted names (the names its pages link to) into <dir>,
 * for nginx to serve from disk with `expires max` when the storefront runs
 * behind it. Default directory: dist/storefront-assets.
 */
import { writeAssets } from '../src/storefront/assets.js'

const dir = process.argv[2] ?? 'dist/storefront-assets'
for (const name of writeAssets(dir)) console.log(`${dir}/${name}`)
