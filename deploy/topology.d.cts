export interface ServiceSpec {
  service: 'product' | 'cart' | 'order' | 'auth' | 'notification' | 'storefront'
  app: string
  port: number
  instances: number | 'max'
  health: string
}
export interface ResolvedService extends ServiceSpec {
  instances: number
  url: string
}
export interface Topology {
  services: ResolvedService[]
  byName: Record<ServiceSpec['service'], ResolvedService>
  nginx: { port: number; address: string }
  shutdownTimeoutMs: number
  sharedEnv: Record<string, string>
}
export declare const SERVICES: ServiceSpec[]
export declare const DEFAULTS: { NGINX_PORT: number; NGINX_ADDRESS: string; SHUTDOWN_TIMEOUT_MS: number }
export declare class TopologyError extends Error {}
export declare function resolveTopology(env?: NodeJS.ProcessEnv): Topology
