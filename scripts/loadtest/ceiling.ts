import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { alive } from '../prod/nginx.js'

/**
 * The ceiling: a second nginx, with the production one's TLS, HTTP/2, workers,
 * per-address limit and headers, serving the bytes the shop answered as a
 * static file. What the shop reaches divided by what this reaches is the ratio
 * that means something on a noisy 2-core machine. It listens on the topology's
 * nginx port on another loopback address (127.0.1.1), so it takes no port of its own.
 */
export interface Ceiling {
  base: string
  pid: number
  stop(): Promise<void>
}

export interface CeilingOptions {
  dir: string
  address: string
  port: number
  secure: boolean
  cert?: string
  key?: string
  /** The file's bytes and the content type the shop sent them with. */
  body: Buffer
  contentType: string
  workers: string
  connPerIp: number
}

export function startCeiling(o: CeilingOptions): Ceiling {
  mkdirSync(path.join(o.dir, 'tmp'), { recursive: true })
  // As root, nginx's workers run as www-data: the file lives where they can read it whatever o.dir's modes.
  const www = mkdtempSync(path.join(tmpdir(), 'emporium-ceiling-'))
  chmodSync(www, 0o755)
  writeFileSync(path.join(www, 'products.json'), o.body, { mode: 0o644 })
  const conf = path.join(o.dir, 'nginx.conf')
  const pidFile = path.join(o.dir, 'nginx.pid')
  const user = process.getuid?.() === 0 ? 'user www-data;' : ''
  const listen = o.secure ? `listen ${o.address}:${o.port} ssl http2;` : `listen ${o.address}:${o.port};`
  const tls = o.secure
    ? `ssl_certificate ${o.cert};
    ssl_certificate_key ${o.key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
    ssl_prefer_server_ciphers off;
    ssl_session_cache shared:TLS:10m;
    ssl_session_tickets off;`
    : ''
  writeFileSync(
    conf,
    `${user}
worker_processes ${o.workers};
pid ${pidFile};
error_log ${o.dir}/error.log warn;
events { worker_connections 4096; }
http {
  client_body_temp_path ${o.dir}/tmp;
  proxy_temp_path ${o.dir}/tmp;
  fastcgi_temp_path ${o.dir}/tmp;
  uwsgi_temp_path ${o.dir}/tmp;
  scgi_temp_path ${o.dir}/tmp;
  access_log off;
  server_tokens off;
  sendfile on;
  tcp_nodelay on;
  keepalive_timeout 65s;
  gzip on;
  gzip_comp_level 6;
  gzip_min_length 1024;
  gzip_types application/json;
  limit_conn_zone $binary_remote_addr zone=perip:10m;
  limit_conn_status 429;
  server {
    ${listen}
    server_name localhost;
    ${tls}
    limit_conn perip ${o.connPerIp};
    add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;
    add_header X-Content-Type-Options nosniff always;
    add_header X-Frame-Options DENY always;
    add_header Referrer-Policy no-referrer always;
    add_header X-Request-Id $request_id always;
    location / {
      root ${www};
      default_type ${o.contentType};
      try_files /products.json =404;
    }
  }
}
`,
  )
  const args = ['-p', o.dir, '-c', conf, '-e', path.join(o.dir, 'error.log')]
  try {
    execFileSync('nginx', [...args, '-t', '-q'], { stdio: 'pipe' })
    execFileSync('nginx', args, { stdio: 'pipe' })
  } catch (err) {
    throw new Error(`the ceiling nginx did not start: ${`${(err as { stderr?: Buffer }).stderr ?? (err as Error).message}`.trim()}`)
  }
  const pid = Number(readFileSync(pidFile, 'utf8').trim())
  const host = o.address
  return {
    base: `${o.secure ? 'https' : 'http'}://${host}:${o.port}`,
    pid,
    async stop() {
      if (alive(pid)) {
        process.kill(pid, 'SIGQUIT')
        for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100))
        if (alive(pid)) process.kill(pid, 'SIGTERM')
      }
      rmSync(o.dir, { recursive: true, force: true })
      rmSync(www, { recursive: true, force: true })
    },
  }
}
