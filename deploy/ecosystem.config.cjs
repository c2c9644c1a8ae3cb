'use strict'
/**
 * PM2: one app per service in cluster mode, named and sized as in the seed.
 *
 *   PM2_HOME=./var/pm2 node_modules/.bin/pm2 start deploy/ecosystem.config.cjs
 *
 * `npm run prod:start` runs this with the servers' URLs and the shared secrets
 * in its environment (PM2 hands the caller's environment to the apps); the
 * seed's `pm2 logs product-service`, `pm2 scale order-service +2` and
 * `pm2 reload all` work as written with PM2_HOME set. Instance counts:
 * PRODUCT_INSTANCES, CART_INSTANCES ('max' = one per core), ORDER_INSTANCES,
 * AUTH_INSTANCES, NOTIFICATION_INSTANCES; ports PRODUCT_PORT ... (3001-3005).
 */
const path = require('node:path')
const { resolveTopology } = require('./topology.cjs')

const root = path.resolve(__dirname, '..')
const topology = resolveTopology(process.env)
const logDir = path.resolve(root, process.env.PROD_DIR || 'var', 'log')

module.exports = {
  apps: topology.services.map((s) => ({
    name: s.app,
    cwd: root,
    // Compiled JavaScript (npm run build), not tsx: no compiler in the serving processes.
    script: 'dist/main.js',
    args: s.service,
    exec_mode: 'cluster',
    instances: s.instances,
    // The seed's limit: an instance above 500 MB is restarted (gracefully).
    max_memory_restart: '500M',
    // The app sends process.send('ready') once its database, Redis, broker and listener are up.
    wait_ready: true,
    // Above the longest boot: migrations, the demo data of a first start, and the wait for the
    // peers it calls (PEER_START_WAIT_MS, 15 s). PM2 goes on after it even without 'ready'.
    listen_timeout: 30_000,
    // Longer than the drain (SHUTDOWN_TIMEOUT_MS), which ends by itself: PM2 never SIGKILLs a draining instance.
    kill_timeout: topology.shutdownTimeoutMs + 2_000,
    // pino writes one JSON object per line; all instances of an app share one file (each line names its pid).
    merge_logs: true,
    out_file: path.join(logDir, `${s.app}.log`),
    error_file: path.join(logDir, `${s.app}.error.log`),
    env: {
      NODE_ENV: 'production',
      PORT: String(s.port),
      // Sizes the per-process fallbacks (rate limits when Redis is down) to limit / instances.
      INSTANCES: String(s.instances),
      ...topology.sharedEnv,
    },
  })),
}
