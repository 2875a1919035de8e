// Navigations are never intercepted. They only tell us that a page is about to
// exist: bind it to the release current after a fresh manifest check.
import { bindNavigation } from '../releases.js'
import type { Handler } from './types.js'

export const navigation: Handler = {
  name: 'navigation',
  canHandle: (event) => event.request.mode === 'navigate',
  handle: (event) => {
    event.waitUntil(bindNavigation(event.resultingClientId).catch(() => {}))
  }
}
