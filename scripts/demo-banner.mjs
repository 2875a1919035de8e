// Printed by `npm run demo` just before the server starts: where to look.
const base = 'http://127.0.0.1:8080'
console.log(`
  swarmcdn demo
    shop        ${base}/
    dashboard   ${base}/dashboard.html

  Open both, then send visitors from another terminal:
    npm run demo:visitors -- --count 6
`)
