// Yielding to the requests that arrived meanwhile. An activation runs on the
// thread that answers decisions, in steps, and between two steps the decision
// requests that came in during the first should be answered (issue 9).
//
// One `setImmediate` does not give them that when the step runs in an I/O
// callback, as an activation's steps do (the download's response, zlib's
// result, the load probe's reply): libuv runs immediates in the check phase
// that follows the poll phase of the same loop iteration, before it polls
// the sockets again, so the next step ran first and the requests waited for
// both. An immediate scheduled from an immediate runs in the next iteration,
// after a poll: two in a row give the sockets their turn wherever the step
// runs (from the check phase, one iteration more than needed, microseconds).

/** Resolves once the event loop has polled for I/O since the call (and run the callbacks of what it found). */
export function afterPendingIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)))
}
