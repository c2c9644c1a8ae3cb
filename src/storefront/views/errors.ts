import { html } from '../html.js'
import type { PageContent, ViewContext } from './layout.js'

const TITLES: Record<number, string> = { 403: 'Not allowed', 404: 'Not found', 429: 'Slow down a little' }

export function errorPage(v: ViewContext, status: number, message: string): PageContent {
  const title = TITLES[status] ?? (status >= 500 ? 'Something went wrong' : 'That did not work')
  return {
    title,
    main: html`<section class="narrow">
      <h1>${title}</h1>
      <p>${message}</p>
      <p><a class="button" href="/">Back to the shop</a>${v.identity ? '' : html` <a class="button" href="/account/sign-in">Sign in</a>`}</p>
    </section>`,
  }
}
