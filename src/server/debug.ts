// Node side of the shared debug() facade: on when DEBUG names `swarmcdn` (or
// `*`), the switch the `debug` package inside bittorrent-tracker also reads.
import { makeDebug, setDebug } from '../shared/debug.js'

if (/(^|[\s,])(\*|swarmcdn(:[\w*-]+)?)($|[\s,])/.test(process.env.DEBUG ?? '')) setDebug(true)

export const debug = makeDebug
