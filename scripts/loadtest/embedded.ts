import { randomBytes } from 'node:crypto'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { ROOT } from '../prod/settings.js'

/**
 * The embedded shop (`npm start`: one process, PGlite, every service) on a port
 * from the kernel, for the side-by-side figures, or as the whole target of
 * `--target embedded` (CI's quick run). Its DATA_DIR is kept between runs so only
 * the first one pays for initdb and the demo catalog.
 */
export interface Embedded {
  base: string
  pid: number
  dataDir: string
  metricsToken: string
  stop(): Promise<void>
}

export async function startEmbedded(dataDir: string, timeoutMs = 120_000): Promise<Embedded> {
  // The run's own scraper token: /metrics answers only its bearer.
  const metricsToken = randomBytes(32).toString('base64url')
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'all'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', METRICS_TOKEN: metricsToken },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  let out = ''
  let err = ''
  const exited = once(child, 'exit')
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(`did not listen within ${timeoutMs / 1000} s`), timeoutMs)
    const fail = (why: string) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`the embedded shop ${why}\n--- stdout\n${out.slice(-2000)}\n--- stderr\n${err.slice(-2000)}`))
    }
    child.stdout!.on('data', (d: Buffer) => {
      // Only the start-up lines are kept: the shop's request logs are not read.
      if (out.length < 100_000) out += d
      const m = /Emporium listening on http:\/\/[^:]+:(\d+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    })
    child.stderr!.on('data', (d: Buffer) => (err += d))
    child.once('exit', (code) => fail(`exited with ${code}`))
  })
  child.stdout!.removeAllListeners('data')
  child.stdout!.resume()
  child.stderr!.removeAllListeners('data')
  child.stderr!.resume()
  return {
    base: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    dataDir,
    metricsToken,
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
    },
  }
}
