/** A browser's cookie jar and form token, enough for tests that post the storefront's forms without a browser. */

type Answer = { headers: Record<string, unknown> }

export function jar() {
  const cookies = new Map<string, string>()
  return {
    header: () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    take<T extends Answer>(res: T): T {
      const set = res.headers['set-cookie']
      for (const line of Array.isArray(set) ? set : set ? [set] : []) {
        const [pair, ...attrs] = String(line).split(';')
        const [name, value] = pair!.split('=', 2) as [string, string]
        if (attrs.some((a) => /max-age=0|expires=thu, 01 jan 1970/i.test(a.trim()))) cookies.delete(name)
        else cookies.set(name, value)
      }
      return res
    },
    get: (name: string) => cookies.get(name),
    set: (name: string, value: string) => cookies.set(name, value),
  }
}

/** The CSRF token of the first form on a page. */
export const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!
