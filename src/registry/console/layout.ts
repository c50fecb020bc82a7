// The console's page frame (head, navigation, the signed-in subject and the
// logout button), the login page and the error page. Every value goes
// through `html` (html.ts); the only scripts are files served from
// /console/assets, so the Content-Security-Policy can forbid inline script.

import { html, type Html } from './html.js'
import type { ConsoleSession } from './session.js'

export interface PageOptions {
  title: string
  session?: ConsoleSession
  /** Which navigation entry is current. */
  nav?: 'overview' | 'decisions'
  /** Load the charting library and the page script. */
  charts?: boolean
}

export function page(o: PageOptions, body: Html): string {
  const navLink = (key: 'overview' | 'decisions', href: string, label: string) =>
    html`<a href="${href}"${o.nav === key ? html` aria-current="page"` : ''}>${label}</a>`
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${o.title} · meshgate console</title>
<link rel="stylesheet" href="/console/assets/console.css">
${
  o.charts
    ? html`<link rel="stylesheet" href="/console/assets/uplot.min.css">
<script src="/console/assets/uplot.iife.min.js" defer></script>
<script src="/console/assets/console.js" type="module"></script>`
    : ''
}
</head>
<body>
<header class="top">
  <span class="brand">meshgate · governance console</span>
  ${
    o.session
      ? html`<nav>${navLink('overview', '/console', 'Overview')} ${navLink('decisions', '/console/decisions', 'Decisions')}</nav>
  <form class="logout" method="post" action="/console/logout"><span class="who">signed in as <b id="subject">${o.session.subject}</b></span> <button type="submit">Sign out</button></form>`
      : ''
  }
</header>
<main>
${body}
</main>
</body>
</html>
`.text
}

/** Why the login page is shown, by a fixed key: the page never reflects text from the URL. */
export const LOGIN_NOTICES = {
  expired: 'Your session ended: the token expired or is no longer valid. Sign in again.',
  signed_out: 'Signed out.',
} as const
export type LoginNotice = keyof typeof LOGIN_NOTICES

export function loginPage(o: { error?: string; notice?: LoginNotice; readRoles: string[] }): string {
  return page(
    { title: 'Sign in' },
    html`
<section class="login">
  <h1>Sign in</h1>
  <p>Paste a token from the identity provider the registry trusts. ${
    o.readRoles.length
      ? html`It must carry a role that reads decision logs: ${o.readRoles.map((r, i) => html`${i ? ', ' : ''}<code>${r}</code>`)}.`
      : 'Any valid token reads.'
  }
  The console is read-only; the token is kept in an HTTP-only cookie until it expires or you sign out.</p>
  ${o.notice ? html`<p class="notice" role="status">${LOGIN_NOTICES[o.notice]}</p>` : ''}
  ${o.error ? html`<p class="error" role="alert" id="login-error">${o.error}</p>` : ''}
  <form method="post" action="/console/login">
    <label for="token">Token (JWT)</label>
    <textarea id="token" name="token" rows="6" required autocomplete="off" spellcheck="false"></textarea>
    <button type="submit">Sign in</button>
  </form>
</section>`,
  )
}

export function errorPage(status: number, message: string, session?: ConsoleSession): string {
  return page(
    { title: `Error ${status}`, ...(session ? { session } : {}) },
    html`
<section>
  <h1>Error ${status}</h1>
  <p class="error" role="alert">${message}</p>
  <p><a href="/console">Back to the overview</a></p>
</section>`,
  )
}
