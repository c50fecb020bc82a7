#!/usr/bin/env node
// The `policy` command: a thin launcher for the compiled CLI (src/cli/main.ts).
import { run } from '../dist/src/cli/main.js'

process.exitCode = await run(process.argv.slice(2))
