// A site may run its own service worker at swarmcdn's scope. Registering ours
// would replace it and break the site (issue 15), so the loader leaves it in
// place, runs without P2P, and says how to combine the two.

/**
 * The script URL of a service worker registered at `scope` that is not
 * swarmcdn's (`swUrl`), or null when the scope is free or already ours.
 */
export async function foreignWorker (scope: string, swUrl: string): Promise<string | null> {
  let reg: ServiceWorkerRegistration | undefined
  try { reg = await navigator.serviceWorker.getRegistration(scope) } catch { return null }
  // getRegistration() matches the longest scope that contains `scope`; only a
  // registration at exactly this scope is one that register() would replace.
  if (!reg || reg.scope !== scope) return null
  const worker = reg.active ?? reg.waiting ?? reg.installing
  if (!worker) return null
  return new URL(worker.scriptURL).pathname === new URL(swUrl).pathname ? null : worker.scriptURL
}

export function integrationHint (foreign: string, swUrl: string): string {
  return `swarmcdn: this site's own service worker ${foreign} controls this scope; swarmcdn does not replace it and runs without P2P. ` +
    `To use both, add importScripts('${new URL(swUrl).pathname}') at the top of that worker.`
}
