import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs'
import os from 'node:os'

/**
 * What the run samples while it loads the shop, every `intervalMs`:
 *  - each service's processes (the list from PM2, or the embedded shop's pid):
 *    memory (RSS) and CPU, read from /proc as PM2's own pidusage does, without a
 *    `pm2 jlist` per sample (that would cost a Node start each time);
 *  - the whole machine's CPU;
 *  - the app's read-through cache (cache_requests_total from each service's
 *    /metrics; in cluster mode one port answers for several instances, so each is
 *    scraped until every instance was seen, told apart by its start time);
 *  - the nginx micro-cache (X-Cache status of each catalog line of the access log);
 *  - extra probes (Redis keyspace hits, queue depths, outbox backlog, pool use).
 */
export interface ProcessGroup {
  service: string
  pids: () => Promise<number[]>
}

export interface ServiceSample {
  instances: number
  rssMb: number
  maxInstanceRssMb: number
  /** Percent of the whole machine (all cores = 100). */
  cpu: number
}

export interface Sample {
  t: number
  cpuMachine: number
  services: Record<string, ServiceSample>
  appCache: { hit: number; miss: number }
  edge: Record<string, number>
  extra: Record<string, number>
}

const TICK = 100 // USER_HZ on Linux
const cores = os.availableParallelism()

function procTimes(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return undefined
  }
}

function procRssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : 0
  } catch {
    return 0
  }
}

function machineTimes(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  const idle = cpu[3]! + (cpu[4] ?? 0)
  const total = cpu.reduce((a, b) => a + b, 0)
  return { busy: total - idle, total }
}

/** Counters of cache_requests_total by instance (process start time), summed; each instance's latest value wins. */
export class AppCacheCounter {
  private readonly byInstance = new Map<string, { hit: number; miss: number }>()
  constructor(
    private readonly urls: { url: string; instances: number }[],
    /** METRICS_TOKEN of the target: /metrics answers only its bearer. */
    private readonly metricsToken: string | undefined,
  ) {}

  async scrape(): Promise<{ hit: number; miss: number }> {
    for (const { url, instances } of this.urls) {
      const seen = new Set<string>()
      for (let i = 0; i < instances * 3 && seen.size < instances; i++) {
        const text = await fetch(url, { headers: this.metricsToken ? { authorization: `Bearer ${this.metricsToken}` } : {}, signal: AbortSignal.timeout(3000) }).then((r) => r.text(), () => '')
        const start = /^process_start_time_seconds(?:\{[^}]*\})? (\S+)/m.exec(text)?.[1]
        if (!start) continue
        seen.add(start)
        const counts = { hit: 0, miss: 0 }
        for (const m of text.matchAll(/^cache_requests_total\{([^}]*)\} (\S+)/gm)) {
          const result = /result="(\w+)"/.exec(m[1]!)?.[1]
          if (result === 'hit') counts.hit += Number(m[2])
          else if (result === 'miss') counts.miss += Number(m[2])
        }
        this.byInstance.set(`${url}|${start}`, counts)
      }
    }
    let hit = 0
    let miss = 0
    for (const c of this.byInstance.values()) {
      hit += c.hit
      miss += c.miss
    }
    return { hit, miss }
  }
}

/** Counts the cache status of the catalog lines nginx appended to its access log since the last call. */
export class EdgeCacheCounter {
  private offset: number
  readonly totals: Record<string, number> = {}
  constructor(private readonly file: string) {
    this.offset = size(file)
  }

  read(): Record<string, number> {
    const end = size(this.file)
    if (end <= this.offset) return { ...this.totals }
    const fd = openSync(this.file, 'r')
    try {
      const buf = Buffer.alloc(end - this.offset)
      readSync(fd, buf, 0, buf.length, this.offset)
      const text = buf.toString('utf8')
      const last = text.lastIndexOf('\n')
      this.offset += Buffer.byteLength(text.slice(0, last + 1))
      for (const line of text.slice(0, last + 1).split('\n')) {
        if (!/"GET \/api\/(products|categories|deals|recommendations)/.test(line)) continue
        const status = / cache=(\S+)/.exec(line)?.[1] ?? '-'
        this.totals[status] = (this.totals[status] ?? 0) + 1
      }
    } finally {
      closeSync(fd)
    }
    return { ...this.totals }
  }
}

function size(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

export interface SamplerOptions {
  groups: ProcessGroup[]
  appCache: AppCacheCounter
  edge?: EdgeCacheCounter
  extra?: () => Promise<Record<string, number>>
  intervalMs: number
}

export function startSampler(o: SamplerOptions) {
  const samples: Sample[] = []
  const started = performance.now()
  let pids = new Map<string, number[]>()
  let lastPids = 0
  let prevCpu = new Map<number, number>()
  let prevMachine = machineTimes()
  let prevAt = performance.now()
  let running: Promise<void> | undefined
  let stopped = false

  const tick = async () => {
    if (performance.now() - lastPids > 10_000) {
      pids = new Map(await Promise.all(o.groups.map(async (g) => [g.service, await g.pids().catch(() => [])] as const)))
      lastPids = performance.now()
    }
    const now = performance.now()
    const seconds = (now - prevAt) / 1000
    const machine = machineTimes()
    const cpuMachine = (100 * (machine.busy - prevMachine.busy)) / Math.max(1, machine.total - prevMachine.total)
    const nextCpu = new Map<number, number>()
    const services: Record<string, ServiceSample> = {}
    for (const [service, list] of pids) {
      let rss = 0
      let maxRss = 0
      let cpu = 0
      let alive = 0
      for (const pid of list) {
        const times = procTimes(pid)
        if (times === undefined) continue
        alive++
        nextCpu.set(pid, times)
        const before = prevCpu.get(pid)
        if (before !== undefined) cpu += (100 * (times - before)) / TICK / seconds / cores
        const r = procRssMb(pid)
        rss += r
        maxRss = Math.max(maxRss, r)
      }
      services[service] = { instances: alive, rssMb: rss, maxInstanceRssMb: maxRss, cpu }
    }
    prevCpu = nextCpu
    prevMachine = machine
    prevAt = now
    const [appCache, extra] = await Promise.all([o.appCache.scrape(), o.extra ? o.extra().catch(() => ({})) : Promise.resolve({})])
    samples.push({ t: (now - started) / 1000, cpuMachine, services, appCache, edge: o.edge?.read() ?? {}, extra })
  }

  const loop = async () => {
    while (!stopped) {
      const t0 = performance.now()
      await tick().catch(() => undefined)
      await new Promise((r) => setTimeout(r, Math.max(100, o.intervalMs - (performance.now() - t0))))
    }
  }
  running = loop()
  return {
    samples,
    /** Seconds since the sampler started (scenarios record their window on this clock). */
    now: () => (performance.now() - started) / 1000,
    async stop(): Promise<Sample[]> {
      stopped = true
      await running
      await tick().catch(() => undefined)
      return samples
    },
  }
}
