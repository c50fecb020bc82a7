// The sample requests `policy serve --example` prints (cli stage): two access
// decisions against the worked example mesh, one the layers allow and one
// the global layer denies, written as ready-to-run curl commands. The
// subjects match the orders product's decision fixtures
// (policies/domains/orders/fixtures/decisions.yaml), so the answers shown
// here are the ones its tests pin down.

import type { DevClaims } from './dev-auth.js'

export interface SampleRequest {
  /** One line saying what the request shows and what it should answer. */
  title: string
  claims: DevClaims
  body: { port: string; purpose?: string; fields?: string[] }
}

export const SAMPLE_REQUESTS: readonly SampleRequest[] = [
  {
    title: 'allowed: finance-reporting, a declared consumer of orders-v1, reads the fields it declared',
    claims: { sub: 'finance-reporting', roles: [], clearance: 'internal', domain: 'finance', region: 'eu' },
    body: { port: 'orders-v1', purpose: 'reporting', fields: ['order_id', 'total_amount', 'currency'] },
  },
  {
    title: 'denied: ana holds orders-reader, but the data stays in the eu and she is in the us (global residency rule)',
    claims: { sub: 'ana', roles: ['orders-reader'], clearance: 'internal', domain: 'finance', region: 'us' },
    body: { port: 'orders-v1', purpose: 'reporting', fields: ['order_id'] },
  },
]

/** A curl command for POST /v1/decisions/access, one flag per line. */
export function curlFor(baseUrl: string, token: string, body: SampleRequest['body']): string {
  return [
    `curl -s -X POST ${baseUrl}/v1/decisions/access \\`,
    `  -H 'Authorization: Bearer ${token}' \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d '${JSON.stringify(body)}'`,
  ].join('\n')
}
