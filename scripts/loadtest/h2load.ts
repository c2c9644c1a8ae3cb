import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

/**
 * The HTTP/2 scenario with nghttp2's h2load. It cannot bind a source address, so it
 * runs from 127.0.0.1 within nginx's limit: over HTTP/2 each open stream counts as
 * one connection, so clients x streams stays at 16, below the 20 per address.
 */
export interface H2Result {
  name: string
  requests: number
  clients: number
  streams: number
  complete: number
  failed: number
  status2xx: number
  seconds: number
  rps: number
  latencyMs: { mean: number; max: number }
  raw: string
}

function ms(value: string, unit: string): number {
  const n = Number(value)
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : n
}

export async function runH2load(name: string, url: string, requests: number, clients: number, streams: number, maxSeconds: number): Promise<H2Result> {
  const { stdout } = await promisify(execFile)('h2load', ['-n', String(requests), '-c', String(clients), '-m', String(streams), url], {
    timeout: maxSeconds * 1000,
    maxBuffer: 4 * 1024 * 1024,
  }).catch((err: { stdout?: string; message: string }) => ({ stdout: err.stdout ?? err.message }))
  const num = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? NaN)
  const finished = /finished in ([\d.]+)(ms|s), ([\d.]+) req\/s/.exec(stdout)
  const lat = /time for request:\s+(\S+?)(us|ms|s)\s+(\S+?)(us|ms|s)\s+(\S+?)(us|ms|s)/.exec(stdout)
  const done = num(/requests: \d+ total, \d+ started, (\d+) done/)
  const succeeded = num(/(\d+) succeeded/)
  const s2xx = num(/status codes: (\d+) 2xx/)
  const s3xx = num(/status codes: \d+ 2xx, (\d+) 3xx/)
  return {
    name,
    requests,
    clients,
    streams,
    complete: Number.isNaN(done) ? 0 : done,
    // Anything but a 2xx/304 is a failure, like the other scenarios; requests never done too.
    failed: Number.isNaN(succeeded) ? requests : requests - (s2xx + (Number.isNaN(s3xx) ? 0 : s3xx)),
    status2xx: Number.isNaN(s2xx) ? 0 : s2xx,
    seconds: finished ? ms(finished[1]!, finished[2]!) / 1000 : NaN,
    rps: finished ? Number(finished[3]) : 0,
    latencyMs: lat ? { mean: ms(lat[5]!, lat[6]!), max: ms(lat[3]!, lat[4]!) } : { mean: NaN, max: NaN },
    raw: stdout.slice(-1500),
  }
}
