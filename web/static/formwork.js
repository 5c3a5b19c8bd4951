// Formwork's progressive enhancement: validate a question page in the browser with the
// WebAssembly build of the same Rust rules the server runs, and show the same GOV.UK error
// summary and messages without a round trip. The server stays the authority: if anything
// here fails, the form simply submits and the server validates.

const script = document.querySelector('script[data-form][data-glue]')
const form = document.querySelector('form[data-formwork-page]')

/** The compiled form, once the module and the bundle have loaded. */
let compiled = null
/** The server's words (from its message catalogue, on the script element), English by default. */
const ERROR_PREFIX = script?.dataset.titlePrefix || 'Error: '
const ERROR_TITLE = script?.dataset.errorTitle || 'There is a problem'
/** govukErrorMessage's visually hidden prefix, as the server renders it. */
const HIDDEN_ERROR = 'Error:'
/** The page's original title, without the "Error: " prefix. */
const baseTitle = document.title.startsWith(ERROR_PREFIX) ? document.title.slice(ERROR_PREFIX.length) : document.title

async function load () {
  const glue = await import(script.dataset.glue)
  await glue.default({ module_or_path: script.dataset.wasm })
  const response = await fetch(script.dataset.bundle, { credentials: 'same-origin' })
  if (!response.ok) throw new Error(`bundle: ${response.status}`)
  const bundle = await response.json()
  compiled = glue.compileForm(bundle.id, bundle.form, bundle.components)
  // A marker for tests and styles: validation now happens in the browser first.
  form.setAttribute('data-formwork-ready', '')
}

/** What the browser would send: input name to its values, without the CSRF token. */
function collect () {
  const input = {}
  for (const [name, value] of new FormData(form)) {
    if (name === 'csrf-token' || typeof value !== 'string') continue
    ;(input[name] ||= []).push(value)
  }
  return input
}

function validate () {
  const raw = compiled.validatePage(form.dataset.formworkPage, collect(), script.dataset.today, script.dataset.lang)
  return JSON.parse(raw)
}

/** The element carrying a field's id: the input, the first radio/checkbox, or the date container. */
function fieldElement (field) {
  return document.getElementById(field)
}

/** The field's own form group (not a date part's inner group). */
function formGroup (el) {
  let group = el.closest('.govuk-form-group')
  while (group && group.parentElement && group.parentElement.closest('.govuk-date-input')) {
    group = group.parentElement.closest('.govuk-form-group')
  }
  return group
}

/** Where the error message goes: just before the inputs, as govuk-frontend renders it. */
function messageAnchor (group, el) {
  return group.querySelector('.govuk-date-input, .govuk-radios, .govuk-checkboxes') ||
    el.closest('.govuk-input__wrapper') || el
}

function describedByOwner (group, el) {
  return group.querySelector('fieldset') || el
}

function errorClassFor (input) {
  if (input.classList.contains('govuk-textarea')) return 'govuk-textarea--error'
  if (input.classList.contains('govuk-select')) return 'govuk-select--error'
  if (input.classList.contains('govuk-input')) return 'govuk-input--error'
  return null
}

/** The elements matching `selector` in `group` itself, not in a form group nested in it (a revealed question). */
function own (group, selector) {
  return [...group.querySelectorAll(selector)].filter((el) => formGroup(el) === group)
}

/** Validation messages: govuk-frontend's character count status is styled as one but is not ours. */
const MESSAGE = '.govuk-error-message:not(.govuk-character-count__message)'

function clearField (group) {
  group.classList.remove('govuk-form-group--error')
  for (const message of own(group, MESSAGE)) {
    const owner = group.querySelector(`[aria-describedby~="${message.id}"]`)
    if (owner) {
      const rest = owner.getAttribute('aria-describedby').split(' ').filter((id) => id !== message.id)
      if (rest.length) owner.setAttribute('aria-describedby', rest.join(' '))
      else owner.removeAttribute('aria-describedby')
    }
    message.remove()
  }
  for (const cls of ['govuk-input--error', 'govuk-textarea--error', 'govuk-select--error']) {
    for (const input of own(group, '.' + cls)) input.classList.remove(cls)
  }
}

function showField (error) {
  const el = fieldElement(error.field)
  if (!el) return
  const group = formGroup(el)
  if (!group) return
  clearField(group)
  group.classList.add('govuk-form-group--error')
  const message = document.createElement('p')
  message.id = `${error.field}-error`
  message.className = 'govuk-error-message'
  const hidden = document.createElement('span')
  hidden.className = 'govuk-visually-hidden'
  hidden.textContent = HIDDEN_ERROR
  message.append(hidden, ' ' + error.message)
  const anchor = messageAnchor(group, el)
  anchor.parentElement.insertBefore(message, anchor)
  const owner = describedByOwner(group, el)
  const ids = (owner.getAttribute('aria-describedby') || '').split(' ').filter(Boolean)
  ids.push(message.id)
  owner.setAttribute('aria-describedby', ids.join(' '))
  for (const id of error.inputs) {
    const input = document.getElementById(id)
    const cls = input && errorClassFor(input)
    if (cls) input.classList.add(cls)
  }
}

function summary () {
  return document.querySelector('.govuk-error-summary')
}

function renderSummary (errors) {
  summary()?.remove()
  const box = document.createElement('div')
  box.className = 'govuk-error-summary'
  box.setAttribute('data-module', 'govuk-error-summary')
  box.innerHTML = '<div role="alert"><h2 class="govuk-error-summary__title"></h2>' +
    '<div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list"></ul></div></div>'
  box.querySelector('h2').textContent = ERROR_TITLE
  const list = box.querySelector('ul')
  for (const error of errors) {
    const li = document.createElement('li')
    const a = document.createElement('a')
    a.href = `#${error.target}`
    a.textContent = error.message
    li.append(a)
    list.append(li)
  }
  form.parentElement.insertBefore(box, form)
  box.setAttribute('tabindex', '-1')
  box.focus()
  // Links move focus to the input, as govuk-frontend's error summary does.
  box.addEventListener('click', (event) => {
    const link = event.target.closest('a[href^="#"]')
    const input = link && document.getElementById(link.hash.slice(1))
    if (!input) return
    event.preventDefault()
    input.focus()
    ;(input.closest('fieldset')?.querySelector('legend') || document.querySelector(`label[for="${input.id}"]`) || input).scrollIntoView()
  })
}

function render (errors) {
  for (const group of form.querySelectorAll('.govuk-form-group--error')) clearField(group)
  for (const error of errors) showField(error)
  if (errors.length) {
    renderSummary(errors)
    document.title = ERROR_PREFIX + baseTitle
  } else {
    summary()?.remove()
    document.title = baseTitle
  }
}

if (script && form) {
  load().catch((error) => {
    compiled = null
    console.warn('Formwork: in-browser validation unavailable; the server will check your answers.', error)
  })

  form.addEventListener('submit', (event) => {
    if (!compiled) return
    let report
    try {
      report = validate()
    } catch (error) {
      return // fail open: let the server decide
    }
    if (!report.errors.length) return
    event.preventDefault()
    render(report.errors)
  })

  // As the resident fixes a field, its error goes; new errors only appear on submit.
  form.addEventListener('input', () => {
    if (!compiled || !summary()) return
    let report
    try {
      report = validate()
    } catch (error) {
      return
    }
    const still = new Set(report.errors.map((e) => e.field))
    for (const group of form.querySelectorAll('.govuk-form-group--error')) {
      const message = own(group, MESSAGE)[0]
      const field = message && message.id.replace(/-error$/, '')
      if (field && !still.has(field)) clearField(group)
    }
    const remaining = report.errors.filter((e) => document.getElementById(`${e.field}-error`))
    if (!remaining.length) {
      summary()?.remove()
      document.title = baseTitle
    } else {
      const list = summary().querySelector('ul')
      for (const li of [...list.children]) {
        const target = li.querySelector('a')?.hash.slice(1)
        if (!remaining.some((e) => e.target === target || e.inputs.includes(target))) li.remove()
      }
    }
  })
}
