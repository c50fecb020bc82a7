// An activation's steps run in I/O callbacks (the download's response, zlib's
// result, the load probe's reply) and yield between them with
// afterPendingIo, so that decision requests that arrived during one step are
// answered before the next. Here the step is a MessagePort message, handled
// in libuv's poll phase as the probe's reply is, and the request is bytes
// written to a loopback socket during the step: readable before the step
// ends, seen only when the loop polls again.

import { once } from 'node:events'
import { createConnection, createServer, type Socket } from 'node:net'
import { setImmediate as oneImmediate } from 'node:timers/promises'
import { MessageChannel } from 'node:worker_threads'
import t from 'tap'
import { afterPendingIo } from '../../src/engine/turns.js'

/** Waits (at most 5 s, in 10 ms steps) until the server has read the request. */
async function untilRead(seen: string[]): Promise<void> {
  for (let i = 0; i < 500 && !seen.includes('request'); i++) await new Promise((r) => setTimeout(r, 10))
}

/** A loopback connection, accepted; `seen` gets 'request' each time the server reads. */
async function loopback(t: Tap.Test): Promise<{ client: Socket; seen: string[] }> {
  const seen: string[] = []
  const server = createServer((s) => s.on('data', () => seen.push('request')))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  // The server's side of the connection is accepted in a poll of its own: wait for it.
  const accepted = once(server, 'connection')
  const client = createConnection((server.address() as { port: number }).port, '127.0.0.1')
  await Promise.all([once(client, 'connect'), accepted])
  t.teardown(() => {
    client.destroy()
    server.close()
  })
  return { client, seen }
}

/**
 * The order of: a first step started by `start`, the bytes written to the
 * socket during it as the server read them, a second step after `yieldFn`.
 */
async function order(t: Tap.Test, start: (step: () => void) => void, yieldFn: () => Promise<unknown>): Promise<string[]> {
  const { client, seen } = await loopback(t)
  await new Promise<void>((resolve) =>
    start(async () => {
      seen.push('step 1')
      client.write('decision') // on the wire before the step ends
      await yieldFn()
      seen.push('step 2')
      resolve()
    }),
  )
  await untilRead(seen)
  return seen
}

/** Runs `step` in a MessagePort's message handler, in libuv's poll phase as the probe's reply. */
function fromMessage(step: () => void): void {
  const { port1, port2 } = new MessageChannel()
  port1.once('message', () => {
    port1.close()
    step()
  })
  port2.postMessage('reply')
}

t.test('a step in an I/O callback lets the requests that arrived during it in before the next step', async (t) => {
  t.same(await order(t, fromMessage, afterPendingIo), ['step 1', 'request', 'step 2'])
})

t.test('one setImmediate from an I/O callback does not (why afterPendingIo takes two)', async (t) => {
  t.same(await order(t, fromMessage, () => oneImmediate()), ['step 1', 'step 2', 'request'])
})

t.test('from the check phase too, the next step comes after a poll', async (t) => {
  t.same(await order(t, (step) => setImmediate(step), afterPendingIo), ['step 1', 'request', 'step 2'])
})
