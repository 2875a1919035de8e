#!/usr/bin/env node
// The CLI is built by rollup into dist/cli.js (npm run build).
import('../dist/cli.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli.js')) {
    console.error('swarmcdn: dist/cli.js is missing; run `npm run build` first.')
    process.exit(1)
  }
  throw err
})
