import type { User } from '../api-types.js'
import { html, queryString, type SafeHtml } from '../html.js'
import type { PageContent, ViewContext } from './layout.js'
import { alert, csrfField, field } from './parts.js'

export interface FormState {
  next?: string
  email?: string
  error?: string
  token?: string
  done?: boolean
}

const PASSWORD_HINT = 'At least 10 characters; not a common password.'

function nextField(s: FormState): SafeHtml {
  return html`<input type="hidden" name="next" value="${s.next ?? '/'}">`
}

function checkoutNote(s: FormState): SafeHtml | null {
  return s.next === '/checkout'
    ? html`<p class="alert info">Checking out needs an account, so we can show you your order and its status later. Your cart stays as it is.</p>`
    : null
}

export function signInPage(v: ViewContext, s: FormState): PageContent {
  return {
    title: 'Sign in',
    main: html`<section class="narrow">
  <h1>Sign in</h1>
  ${checkoutNote(s)}
  ${alert(s.error)}
  <form class="stack" action="/account/sign-in" method="post">
    ${csrfField(v)}${nextField(s)}
    ${field({ name: 'email', label: 'E-mail address', type: 'email', value: s.email, required: true, autocomplete: 'email' })}
    ${field({ name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'current-password' })}
    <button type="submit" class="button primary">Sign in</button>
  </form>
  <p>New here? <a href="/account/sign-up${queryString({ next: s.next === '/' ? undefined : s.next })}">Create an account</a></p>
  <p><a href="/account/forgot-password">Forgot your password?</a></p>
</section>`,
  }
}

export function signUpPage(v: ViewContext, s: FormState): PageContent {
  return {
    title: 'Create an account',
    main: html`<section class="narrow">
  <h1>Create an account</h1>
  ${checkoutNote(s)}
  ${alert(s.error)}
  <form class="stack" action="/account/sign-up" method="post">
    ${csrfField(v)}${nextField(s)}
    ${field({ name: 'email', label: 'E-mail address', type: 'email', value: s.email, required: true, autocomplete: 'email' })}
    ${field({ name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'new-password', hint: PASSWORD_HINT })}
    <button type="submit" class="button primary">Create account</button>
  </form>
  <p>Already have an account? <a href="/account/sign-in${queryString({ next: s.next === '/' ? undefined : s.next })}">Sign in</a></p>
</section>`,
  }
}

export function accountPage(v: ViewContext, user: User, s: { sent?: boolean; error?: string } = {}): PageContent {
  return {
    title: 'Your account',
    main: html`<section class="narrow">
  <h1>Your account</h1>
  ${alert(s.error)}${s.sent && alert(`We have sent a new confirmation link to ${user.email}.`, 'info')}
  <dl class="facts">
    <dt>E-mail address</dt><dd>${user.email} ${user.emailVerified ? html`<span class="badge ok">confirmed</span>` : html`<span class="badge">not confirmed yet: see the e-mail we sent</span>`}</dd>
  </dl>
  ${!user.emailVerified && html`<form action="/account/verify-email/resend" method="post">${csrfField(v)}<button type="submit" class="button">Send the confirmation e-mail again</button></form>`}
  <p><a class="button" href="/account/orders">Your orders</a></p>
  <form action="/account/sign-out" method="post">${csrfField(v)}<button type="submit" class="button">Sign out</button></form>
</section>`,
  }
}

export function verifyPage(v: ViewContext, s: FormState): PageContent {
  const body = s.done
    ? html`<p class="alert info" role="status">Thank you: your e-mail address is confirmed.</p><p><a class="button" href="/">Continue shopping</a></p>`
    : s.token
      ? html`<p>Confirm that this e-mail address belongs to you.</p>
        <form action="/account/verify-email" method="post">${csrfField(v)}<input type="hidden" name="token" value="${s.token}">
        <button type="submit" class="button primary">Confirm my e-mail address</button></form>`
      : html`${alert(s.error ?? 'This confirmation link is not complete. Please open the link from the e-mail again.')}`
  return { title: 'Confirm your e-mail address', main: html`<section class="narrow"><h1>Confirm your e-mail address</h1>${body}</section>` }
}

export function forgotPage(v: ViewContext, s: FormState): PageContent {
  const body = s.done
    ? html`<p class="alert info" role="status">If there is an account for ${s.email}, we have sent it an e-mail with a link to choose a new password. The link works for one hour.</p>`
    : html`${alert(s.error)}<form class="stack" action="/account/forgot-password" method="post">${csrfField(v)}
        ${field({ name: 'email', label: 'E-mail address', type: 'email', value: s.email, required: true, autocomplete: 'email' })}
        <button type="submit" class="button primary">Send me a link</button></form>`
  return { title: 'Forgot your password?', main: html`<section class="narrow"><h1>Forgot your password?</h1>${body}</section>` }
}

export function resetPage(v: ViewContext, s: FormState): PageContent {
  const body = s.done
    ? html`<p class="alert info" role="status">Your password is changed. You were signed out everywhere: please sign in with the new password.</p><p><a class="button primary" href="/account/sign-in">Sign in</a></p>`
    : s.token
      ? html`${alert(s.error)}<form class="stack" action="/account/reset-password" method="post">${csrfField(v)}
          <input type="hidden" name="token" value="${s.token}">
          ${field({ name: 'password', label: 'New password', type: 'password', required: true, autocomplete: 'new-password', hint: PASSWORD_HINT })}
          ${field({ name: 'confirm', label: 'New password again', type: 'password', required: true, autocomplete: 'new-password' })}
          <button type="submit" class="button primary">Set the new password</button></form>`
      : html`${alert(s.error ?? 'This link is not complete. Please open the link from the e-mail again.')}<p><a href="/account/forgot-password">Ask for a new link</a></p>`
  return { title: 'Choose a new password', main: html`<section class="narrow"><h1>Choose a new password</h1>${body}</section>` }
}
