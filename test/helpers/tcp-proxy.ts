import net from 'node:net'

/**
 * A loopback TCP proxy for fault tests (there is no toxiproxy or tc netem here):
 * forwards to a target until told to stall (bytes are held: the peer hangs)
 * or to cut (every connection is reset and new ones are refused).
 */
export interface TcpProxy {
  port: number
  url(scheme: string): string
  stall(): void
  resume(): void
  cut(): void
  close(): Promise<void>
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let stalled = false
  let cutting = false
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    if (cutting) return client.destroy()
    const upstream = net.connect(targetPort, targetHost)
    sockets.add(client).add(upstream)
    const forward = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk) => {
        if (!stalled) to.write(chunk)
      })
    forward(client, upstream)
    forward(upstream, client)
    const end = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    port,
    url: (scheme) => `${scheme}://127.0.0.1:${port}`,
    stall: () => void (stalled = true),
    resume: () => {
      stalled = false
      cutting = false
    },
    cut: () => {
      cutting = true
      for (const s of sockets) s.destroy()
    },
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
