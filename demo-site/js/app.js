// The shop's own script: nothing swarmcdn-specific. Media is in the HTML and
// loads at once; this only marks the gallery loaded (for assistive
// technology and scripts) once its photos are in.
(function () {
  'use strict'

  function loaded (img) {
    return new Promise(function (resolve) {
      if (img.complete) return resolve()
      img.addEventListener('load', function () { resolve() }, { once: true })
      img.addEventListener('error', function () { resolve() }, { once: true })
    })
  }

  function start () {
    var grid = document.getElementById('gallery-grid')
    if (!grid) return
    var imgs = Array.prototype.slice.call(grid.querySelectorAll('img'))
    Promise.all(imgs.map(loaded)).then(function () {
      grid.dataset.state = 'loaded'
      grid.removeAttribute('aria-busy')
    })
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
  else start()
})()
