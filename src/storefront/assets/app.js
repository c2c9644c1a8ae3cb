// Emporium storefront: progressive enhancement only. Every page works without
// this file; with it, the search box suggests products as you type, "Add to
// cart" works without leaving the page, and destructive buttons ask first.
// No framework, no inline handlers (the Content-Security-Policy forbids them).
'use strict'
;(function () {
  function debounce(fn, ms) {
    var timer
    return function () {
      var args = arguments
      clearTimeout(timer)
      timer = setTimeout(function () { fn.apply(null, args) }, ms)
    }
  }

  // Search suggestions: an ARIA 1.2 combobox over the search input, options are product links.
  function enhanceSearch(input) {
    var form = input.form
    var list = document.createElement('ul')
    list.id = 'search-suggestions'
    list.className = 'suggestions'
    list.setAttribute('role', 'listbox')
    list.setAttribute('aria-label', 'Suggestions')
    list.hidden = true
    form.appendChild(list)
    input.setAttribute('role', 'combobox')
    input.setAttribute('aria-autocomplete', 'list')
    input.setAttribute('aria-controls', list.id)
    input.setAttribute('aria-expanded', 'false')
    var active = -1
    var asked = ''

    function options() { return list.querySelectorAll('[role="option"]') }
    function close() {
      list.hidden = true
      input.setAttribute('aria-expanded', 'false')
      input.removeAttribute('aria-activedescendant')
      active = -1
    }
    function select(index) {
      var all = options()
      if (all.length === 0) return
      active = (index + all.length) % all.length
      for (var i = 0; i < all.length; i++) all[i].setAttribute('aria-selected', i === active ? 'true' : 'false')
      input.setAttribute('aria-activedescendant', all[active].id)
    }
    function show(items) {
      list.textContent = ''
      items.forEach(function (item, i) {
        var li = document.createElement('li')
        li.id = 'suggestion-' + i
        li.setAttribute('role', 'option')
        li.setAttribute('aria-selected', 'false')
        var a = document.createElement('a')
        a.href = item.url
        a.tabIndex = -1
        var name = document.createElement('span')
        name.textContent = item.name // text, never HTML: names come from the catalog
        a.appendChild(name)
        li.appendChild(a)
        list.appendChild(li)
      })
      if (items.length === 0) return close()
      list.hidden = false
      input.setAttribute('aria-expanded', 'true')
    }
    var ask = debounce(function (q) {
      if (q.length < 2) return close()
      asked = q
      fetch(input.getAttribute('data-suggest') + '?q=' + encodeURIComponent(q), { headers: { accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : { items: [] } })
        .then(function (body) { if (asked === q && input.value.trim() === q) show(body.items || []) })
        .catch(close)
    }, 200)

    input.addEventListener('input', function () { ask(input.value.trim()) })
    input.addEventListener('keydown', function (e) {
      if (list.hidden) return
      if (e.key === 'ArrowDown') { e.preventDefault(); select(active + 1) }
      else if (e.key === 'ArrowUp') { e.preventDefault(); select(active - 1) }
      else if (e.key === 'Escape') { close() }
      else if (e.key === 'Enter' && active >= 0) {
        e.preventDefault()
        window.location.href = options()[active].querySelector('a').href
      }
    })
    input.addEventListener('blur', function () { setTimeout(close, 150) })
  }

  // Add to cart without a reload; the form still posts normally when anything fails.
  function enhanceAddToCart(form) {
    form.addEventListener('submit', function (e) {
      e.preventDefault()
      var button = form.querySelector('button[type="submit"]')
      if (button) button.disabled = true
      fetch(form.action, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(new FormData(form)).toString(),
        credentials: 'same-origin',
      })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body } }) })
        .then(function (res) {
          var message = res.ok ? res.body.message : (res.body.error && res.body.error.message) || 'That did not work.'
          if (res.ok) document.querySelectorAll('[data-cart-count]').forEach(function (el) { el.textContent = String(res.body.itemCount) })
          announce(form, message, !res.ok)
        })
        .catch(function () { form.submit() })
        .then(function () { if (button) button.disabled = false })
    })
  }

  function announce(form, message, isError) {
    var status = document.querySelector('[data-cart-status]')
    if (!status) {
      status = document.createElement('p')
      status.className = 'toast'
      status.setAttribute('role', 'status')
      status.setAttribute('data-cart-status', '')
      document.querySelector('main').prepend(status)
    }
    status.className = 'alert ' + (isError ? 'error' : 'info')
    status.textContent = message
  }

  document.addEventListener('submit', function (e) {
    var question = e.target.getAttribute && e.target.getAttribute('data-confirm')
    if (question && !window.confirm(question)) e.preventDefault()
  }, true)

  var search = document.querySelector('input[data-suggest]')
  if (search && window.fetch) enhanceSearch(search)
  if (window.fetch && window.URLSearchParams) document.querySelectorAll('form[data-enhance="add-to-cart"]').forEach(enhanceAddToCart)
})()
