import net from 'node:net'

/** A port the kernel just handed out on 127.0.0.1 (bound to port 0, read, closed): free unless someone takes it first, so callers retry on a collision. */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
