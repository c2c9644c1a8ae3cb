/**
 * The real servers `npm test` starts (scripts/servers.sh) and announces in the
 * environment. A test that needs one and finds it missing fails loudly: an
 * integration test never silently turns into a unit test.
 */
function required(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set: run the tests with 'npm test', which starts PostgreSQL, Redis and RabbitMQ`)
  return value
}

export const servers = {
  get databaseUrl() {
    return required('TEST_DATABASE_URL')
  },
  get redisUrl() {
    return required('TEST_REDIS_URL')
  },
  get amqpUrl() {
    return required('TEST_AMQP_URL')
  },
}

/** The template database the setup step migrated; each test file clones it. One per test run. */
export const PG_TEMPLATE = process.env.TEST_PG_TEMPLATE ?? 'emporium_template'

export function pglitetemplatePath(): string {
  return process.env.TEST_PGLITE_TEMPLATE ?? '.servers/pglite-template.tar.gz'
}
