// The root type-check (dom lib) reaches SW modules through these tests; the
// SW's own tsconfig checks them against the webworker lib. What they name of
// the SW global scope, for the dom view:
interface ServiceWorkerGlobalScope {
  registration: { scope: string }
  location: Location
}
