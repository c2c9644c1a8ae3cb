import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync, type Stats } from 'node:fs'
import path from 'node:path'
import { mkdirPublic } from '../../src/services/product/images/image-files.js'
import { writeAssets } from '../../src/storefront/assets.js'
import { ProdError, ROOT, type ProdSettings } from './settings.js'

/** Where the config points; Docker's differ (the services are other containers, paths are the image's). */
export interface NginxLayout {
  host: (service: string) => string
  state: string
  logs: string
  cert: string
  key: string
  user: string
  /** IMAGES_DIR as nginx sees it (the product service writes the variants, nginx serves them). */
  images: string
  /** The storefront's assets as files nginx serves itself; unset: nginx asks the storefront (it caches them for good too). */
  assets?: string
}

/** nginx.conf from deploy/nginx.conf.template, with the topology's ports and this checkout's paths (or another layout's). */
export function renderNginxConf(s: ProdSettings, layout: NginxLayout = localLayout(s)): string {
  const template = readFileSync(path.join(ROOT, 'deploy', 'nginx.conf.template'), 'utf8')
  const upstream = (name: string, servers: string[]) =>
    [
      `  upstream ${name} {`,
      '    least_conn;',
      ...servers.map((address) => `    server ${address} max_fails=0;`),
      '    keepalive 32;',
      '    keepalive_timeout 4s;',
      '    keepalive_requests 10000;',
      '  }',
    ].join('\n')
  const upstreams = [
    // Each address twice: a second try for a request whose connection failed (see the template).
    ...s.topology.services.map((svc) => upstream(svc.service, Array(2).fill(`${layout.host(svc.service)}:${svc.port}`))),
    // Any instance of any service can aggregate /health (SYSTEM_HEALTH_URLS is given to all).
    upstream('system_health', s.topology.services.map((svc) => `${layout.host(svc.service)}:${svc.port}`)),
  ].join('\n')
  const values: Record<string, string> = {
    USER: layout.user,
    WORKERS: s.env.NGINX_WORKERS ?? 'auto',
    STATE: layout.state,
    LOGS: layout.logs,
    ADDRESS: s.topology.nginx.address,
    PORT: String(s.topology.nginx.port),
    TLS_CERT: layout.cert,
    TLS_KEY: layout.key,
    CONN_PER_IP: String(s.connPerIp),
    UPSTREAMS: upstreams,
    IMAGES_DIR: layout.images,
    ASSETS_LOCATION: assetsLocation(layout.assets),
  }
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (_m, name: string) => {
    if (!(name in values)) throw new Error(`nginx.conf.template: unknown placeholder {{${name}}}`)
    return values[name]!
  })
}

function assetsLocation(dir: string | undefined): string {
  if (!dir) return '    location ^~ /assets/ { proxy_pass http://storefront; }'
  return [
    '    location ~ "^/assets/([a-z0-9-]+\\.[0-9a-f]{10}\\.[a-z0-9]+)$" {',
    `      alias ${dir}/$1;`,
    '      error_page 404 = @asset_not_found;',
    '      # add_header here replaces the server\'s own: repeated.',
    '      add_header Cache-Control "public, max-age=31536000, immutable";',
    '      add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;',
    '      add_header X-Content-Type-Options nosniff always;',
    '      add_header X-Frame-Options DENY always;',
    '      add_header Referrer-Policy no-referrer always;',
    '      add_header X-Request-Id $request_id always;',
    '    }',
    '    location @asset_not_found { types { } default_type text/plain; return 404 "Not found"; }',
  ].join('\n')
}

/** Where prod:start copies the storefront's assets for nginx (npm run storefront:assets does the same by hand). */
export function storefrontAssetsDir(s: ProdSettings): string {
  return path.join(s.dirs.state, 'storefront-assets')
}

function localLayout(s: ProdSettings): NginxLayout {
  // As root, nginx's workers drop to www-data (Debian's nginx account); otherwise they run as the caller.
  const user = process.getuid?.() === 0 ? 'user www-data;' : ''
  return { host: () => '127.0.0.1', state: s.dirs.nginx, logs: s.dirs.logs, cert: s.tls.cert, key: s.tls.key, user, images: s.topology.sharedEnv.IMAGES_DIR!, assets: storefrontAssetsDir(s) }
}

/** Where docker-compose.prod.yml mounts the `images` volume (product-service writes it) in the nginx container. */
export const DOCKER_NGINX_IMAGES_DIR = '/srv/emporium/images'

/** The layout of the nginx container of docker-compose.prod.yml: upstreams by service name, the image's paths. */
export function dockerLayout(): NginxLayout {
  return {
    // The compose file's service names are the PM2 apps' (product-service, ..., storefront).
    host: (service) => (service === 'storefront' ? 'storefront' : `${service}-service`),
    state: '/var/cache/nginx',
    logs: '/var/log/nginx',
    cert: '/etc/nginx/tls/localhost.crt',
    key: '/etc/nginx/tls/localhost.key',
    user: '',
    images: DOCKER_NGINX_IMAGES_DIR,
  }
}

/**
 * IMAGES_DIR exists before the product service starts, and nginx's workers can read it. As root
 * they run as www-data, which must enter every directory above it (a checkout under a 0700 home,
 * a PROD_DIR made by mktemp): else every picture would be a 404. Checked before anything starts.
 */
export async function ensureImagesDir(s: ProdSettings): Promise<void> {
  const dir = s.topology.sharedEnv.IMAGES_DIR!
  await mkdirPublic(dir)
  assertNginxCanRead(dir, 'IMAGES_DIR', 'or set IMAGES_DIR to a directory they can reach')
}

/** The storefront's assets under their fingerprinted names, where nginx serves them from (the build's own files). */
export async function writeStorefrontAssets(s: ProdSettings): Promise<void> {
  const dir = storefrontAssetsDir(s)
  await mkdirPublic(dir)
  writeAssets(dir)
  assertNginxCanRead(dir, 'the storefront assets', 'or set PROD_DIR to a directory they can reach')
}

function assertNginxCanRead(dir: string, what: string, otherwise: string): void {
  const worker = process.getuid?.() === 0 ? accountOf('www-data') : undefined
  if (!worker) return
  for (let p = dir; ; p = path.dirname(p)) {
    const st = statSync(p)
    // r-x on the directory itself, --x on the directories above it.
    const need = p === dir ? 0o5 : 0o1
    if (!permits(st, worker, need)) {
      throw new ProdError(
        `${what} ${dir}: nginx's workers (www-data) cannot ${p === dir ? 'read' : 'enter'} ${p} (mode ${(st.mode & 0o777).toString(8)}): ` +
          `run chmod o+${p === dir ? 'rx' : 'x'} ${p}, ${otherwise}`,
      )
    }
    if (p === path.dirname(p)) return
  }
}

/** The classic owner / group / others rule (primary group only; an ACL is not read). */
function permits(st: Stats, who: { uid: number; gid: number }, need: number): boolean {
  const bits = st.uid === who.uid ? st.mode >> 6 : st.gid === who.gid ? st.mode >> 3 : st.mode
  return (bits & need) === need
}

function accountOf(name: string): { uid: number; gid: number } | undefined {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`))
  const [, , uid, gid] = line?.split(':') ?? []
  return uid && gid ? { uid: Number(uid), gid: Number(gid) } : undefined
}

/** A self-signed certificate for localhost (ECDSA P-256, 1 year), made once when TLS_CERT/TLS_KEY are not given. */
export function ensureCertificate(s: ProdSettings): void {
  if (!s.tls.generated || (existsSync(s.tls.cert) && existsSync(s.tls.key))) return
  mkdirSync(path.dirname(s.tls.cert), { recursive: true })
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '365',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
    '-keyout', s.tls.key, '-out', s.tls.cert,
  ], { stdio: 'pipe' })
  chmodSync(s.tls.key, 0o600)
}

export function nginxPaths(s: ProdSettings) {
  return { conf: path.join(s.dirs.nginx, 'nginx.conf'), pid: path.join(s.dirs.nginx, 'nginx.pid') }
}

/** Writes the config, checks it with `nginx -t`, starts nginx (it daemonizes), returns its master pid. */
export function startNginx(s: ProdSettings): number {
  const { conf, pid } = nginxPaths(s)
  for (const dir of ['tmp', 'cache']) mkdirSync(path.join(s.dirs.nginx, dir), { recursive: true })
  mkdirSync(s.dirs.logs, { recursive: true })
  writeFileSync(conf, renderNginxConf(s))
  const args = ['-p', s.dirs.nginx, '-c', conf, '-e', path.join(s.dirs.logs, 'nginx-error.log')]
  const run = (extra: string[]) => {
    try {
      execFileSync('nginx', [...args, ...extra], { stdio: 'pipe' })
    } catch (err) {
      const out = `${(err as { stderr?: Buffer }).stderr ?? ''}`.trim().split('\n').filter((l) => !/test is successful|syntax is ok/.test(l))
      throw new ProdError(`nginx ${extra.length ? 'did not start' : 'refused its configuration'}: ${out.join(' | ') || (err as Error).message}`)
    }
  }
  run(['-t', '-q'])
  run([])
  return Number(readFileSync(pid, 'utf8').trim())
}

/** Graceful stop (finishes the requests in flight), by the master pid nginx wrote. */
export async function stopNginx(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return
  const pid = Number(readFileSync(pidFile, 'utf8').trim())
  if (!alive(pid)) return
  process.kill(pid, 'SIGQUIT')
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100))
  if (alive(pid)) process.kill(pid, 'SIGTERM')
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
