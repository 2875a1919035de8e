// The shop's own script. Heavy media (gallery photos, thumbnails, the film)
// is mounted from inert <template>s once this visitor is connected to other
// visitors, because swarmcdn's engine starts after the load event and a
// request never waits for peers that are not connected yet: media requested
// while the HTML parses would always come from the origin. The wait is capped,
// so a visitor with no one else online (or with swarmcdn blocked) sees the
// photos shortly anyway.
(function () {
  'use strict'
  /** Longest wait for a peer before loading from the origin anyway. */
  var PEER_WAIT_CAP_MS = 3000

  function swarmReady () {
    return new Promise(function (resolve) {
      var s = window.swarmcdn
      if (!s || typeof s.stats !== 'function') return resolve('no-swarmcdn')
      var done = false
      var finish = function (why) { if (!done) { done = true; clearInterval(poll); clearTimeout(cap); resolve(why) } }
      var cap = setTimeout(function () { finish('timeout') }, PEER_WAIT_CAP_MS)
      s.ready.then(function (ok) { if (!ok) finish('no-service-worker') })
      s.addEventListener('peers', function (e) { if (e.detail && e.detail.peers > 0) finish('peers') })
      // The peers event fires in the leader tab; other tabs of the same visitor poll.
      var poll = setInterval(function () {
        s.stats().then(function (st) { if (st.peers > 0) finish('peers') }, function () {})
      }, 250)
    })
  }

  function mount (templateId, target) {
    var t = document.getElementById(templateId)
    if (!t || !target) return []
    target.appendChild(t.content.cloneNode(true))
    return Array.prototype.slice.call(target.querySelectorAll('img'))
  }

  function loaded (img) {
    return new Promise(function (resolve) {
      if (img.complete) return resolve()
      img.addEventListener('load', function () { resolve() }, { once: true })
      img.addEventListener('error', function () { resolve() }, { once: true })
    })
  }

  function start () {
    swarmReady().then(function (why) {
      var grid = document.getElementById('gallery-grid')
      grid.textContent = ''
      var imgs = mount('gallery-items', grid).concat(mount('thumb-items', document.querySelector('.thumbs')))
      var player = document.getElementById('player')
      var poster = player.querySelector('img')
      mount('player-video', player)
      if (poster) poster.remove()
      grid.dataset.state = 'loading'
      grid.dataset.trigger = why
      Promise.all(imgs.map(loaded)).then(function () {
        grid.dataset.state = 'loaded'
        grid.removeAttribute('aria-busy')
      })
    })
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
  else start()
})()
