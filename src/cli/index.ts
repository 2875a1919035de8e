// `swarmcdn` command line. Each command lives in its own file and registers itself.
import { Command } from 'commander'
import { registerPublish } from './publish.js'
import { registerVerify } from './verify.js'
import { registerServe } from './serve.js'
import { registerTracker } from './tracker.js'
import { registerSeed } from './seed.js'
import { registerEstimate } from './estimate.js'

const program = new Command()
program
  .name('swarmcdn')
  .description('P2P CDN for static sites: publish a verified manifest, serve origin + tracker + stats.')
  .showHelpAfterError()

registerPublish(program)
registerVerify(program)
registerServe(program)
registerTracker(program)
registerSeed(program)
registerEstimate(program)

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`swarmcdn: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
