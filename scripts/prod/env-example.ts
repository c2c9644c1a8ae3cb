import type { TObject, TSchema } from '@sinclair/typebox'
import { tokenVerifierConfig } from '../../src/platform/auth/config.js'
import { busConfig } from '../../src/platform/bus/config.js'
import { platformConfig } from '../../src/platform/config.js'
import { SERVICES } from '../../src/services/registry.js'
import { storefrontConfig } from '../../src/storefront/config.js'
import { LOCAL_SERVER_DEFAULTS } from './settings.js'

/** The settings of prod:start itself (not read by the services). */
const PROD_SETTINGS: [string, string, string][] = [
  ['PROD_DIR', 'var', 'Where prod:start keeps its state: PM2_HOME (pm2/), logs (log/), nginx (nginx/), local servers (servers/), secrets.env.'],
  ['PROD_ENV_FILE', '.env.production', 'Read by prod:start when present (variables already set win).'],
  ['NGINX_PORT', '8080', 'HTTPS port of nginx (TLS 1.2/1.3, HTTP/2).'],
  ['NGINX_ADDRESS', '127.0.0.1', 'Address nginx listens on; 0.0.0.0 to serve other machines.'],
  ['NGINX_WORKERS', 'auto', 'nginx worker processes.'],
  ['NGINX_CONN_PER_IP', '20', 'Concurrent connections (HTTP/2: requests) per client address (limit_conn).'],
  ['TLS_CERT', '', 'Certificate (PEM) for nginx; unset: a self-signed one for localhost is made under PROD_DIR/nginx/tls.'],
  ['TLS_KEY', '', 'Its private key (PEM); set both or neither.'],
  ...(['PRODUCT', 'CART', 'ORDER', 'AUTH', 'NOTIFICATION'] as const).flatMap((s, i): [string, string, string][] => [
    [`${s}_PORT`, String(3001 + i), `Port of the ${s.toLowerCase()} service's instances (PM2 cluster mode shares it; loopback only).`],
    [`${s}_INSTANCES`, ['max', 'max', '4', '4', '2'][i]!, `PM2 instances of the ${s.toLowerCase()} service ('max' = one per core; the seed's count).`],
  ]),
  ['STOREFRONT_PORT', '3006', "Port of the storefront's instances (the pages nginx serves outside /api; loopback only)."],
  ['STOREFRONT_INSTANCES', '1', "PM2 instances of the storefront ('max' = one per core; more than one can race a shopper's refresh token, see the README)."],
  ...Object.entries(LOCAL_SERVER_DEFAULTS).map(([k, v]): [string, string, string] => [k, String(v), 'Port of the server prod:start runs itself when its URL is not set.']),
  ['PROD_SKIP_BUILD', '', 'Set to skip `npm run build` in prod:start (dist/ already built).'],
  ['PROD_START_TIMEOUT_MS', '120000', 'How long prod:start waits for every service and nginx to be healthy.'],
]

function defaultOf(schema: TSchema): string {
  return schema.default === undefined ? '' : String(schema.default)
}

function describe(schema: TSchema): string {
  const kinds = schema.anyOf ? (schema.anyOf as TSchema[]).map((s) => s.const).filter((c) => c !== undefined) : []
  return [schema.description, kinds.length ? `One of: ${kinds.join(', ')}.` : ''].filter(Boolean).join(' ') || 'See the README.'
}

/**
 * .env.production.example: every variable the production topology reads, from the
 * configuration schemas themselves (so a renamed or new setting shows up here when
 * the file is generated again: `npm run prod:env-example`).
 */
export function envExample(): string {
  const sections: [string, TObject][] = [
    ['Every process (src/platform/config.ts)', platformConfig],
    ['Access tokens, every process (src/platform/auth/config.ts)', tokenVerifierConfig],
    ['Events, every process (src/platform/bus/config.ts)', busConfig],
    ...Object.values(SERVICES).map((s): [string, TObject] => [`The ${s.name} service (src/services/${s.name}/config.ts)`, s.config]),
    ['The storefront (src/storefront/config.ts)', storefrontConfig],
  ]
  const seen = new Set<string>()
  const out = [
    '# Emporium, production settings. Copy to .env.production (read by npm run prod:start) and fill in.',
    '# GENERATED from the configuration schemas by `npm run prod:env-example`: do not edit by hand.',
    '# An empty value means unset (the default applies). Secrets (JWT_SECRET, INTERNAL_API_TOKEN, CURSOR_SECRET,',
    '# METRICS_TOKEN, STOREFRONT_COOKIE_SECRET) left unset are made once by prod:start and kept in PROD_DIR/secrets.env.',
    '',
    '## prod:start itself (scripts/prod.ts, deploy/topology.cjs)',
    ...PROD_SETTINGS.flatMap(([name, def, text]) => {
      seen.add(name)
      return [`# ${text}${def ? ` Default: ${def}.` : ''}`, `${name}=`]
    }),
  ]
  for (const [title, schema] of sections) {
    const lines: string[] = []
    for (const [name, prop] of Object.entries(schema.properties)) {
      if (seen.has(name)) continue
      seen.add(name)
      const def = defaultOf(prop)
      lines.push(`# ${describe(prop)}${def ? ` Default: ${def}.` : ''}`, `${name}=`)
    }
    if (lines.length) out.push('', `## ${title}`, ...lines)
  }
  return `${out.join('\n')}\n`
}
