// The PATCH corpus (t/scim/patches.json) against the module's apply_patch
// (lines of t/scim/patch-cli.c++ on stdin) and against npm scim-patch, an
// independent implementation of RFC 7644 section 3.5.2:
//   build/scim/patch-cli t/scim/patches.json | node t/scim/patch-check.mjs t/scim/patches.json
// - the module's outcome is the case's "result" (key order aside) or its
//   "error" (scimType and detail);
// - scim-patch's outcome is the same, unless the case records where
//   scim-patch differs ("scim_patch": {"result": ...} or {"error": scimType})
//   with a "why"; then scim-patch must still do just that, so that a note
//   that no longer holds fails too.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../build/npm/', import.meta.url));
const { scimPatch, patchBodyValidation } = require('scim-patch');

const corpus = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const ours = new Map(readFileSync(0, 'utf8').split('\n').filter(Boolean)
  .map((line) => JSON.parse(line)).map((o) => [o.name, o]));

// JSON text with the object keys sorted: equal values, equal texts.
const canon = (v) => JSON.stringify(v, (k, x) => (x && typeof x === 'object' && !Array.isArray(x)
  ? Object.fromEntries(Object.keys(x).sort().map((key) => [key, x[key]])) : x));

function library(c) {
  try {
    const resource = structuredClone(c.resource);
    patchBodyValidation(c.patch);
    return { result: scimPatch(resource, c.patch.Operations) };
  } catch (e) {
    return { error: e.scimCode ?? `${e.name}: ${e.message}` };
  }
}

const same = (outcome, want) => (want.error !== undefined
  ? outcome.error !== undefined && outcome.error === want.error
  : outcome.result !== undefined && canon(outcome.result) === canon(want.result));
const show = (o) => (o.error !== undefined ? `error ${JSON.stringify(o.error)}` : canon(o.result));

let passed = 0;
let failed = 0;
const names = new Set();
for (const c of corpus.cases) {
  const problems = [];
  if (names.has(c.name)) problems.push('a second case of this name');
  names.add(c.name);
  const want = c.error ? { error: c.error.scimType } : { result: c.result };
  const o = ours.get(c.name);
  if (!o) problems.push('apply_patch printed nothing for it');
  else if (!same(o.error ? { error: o.error.scimType } : o, want))
    problems.push(`apply_patch: ${show(o.error ? { error: o.error } : o)}, expected ${show(c.error ? { error: c.error } : want)}`);
  else if (c.error && c.error.detail !== undefined && o.error.detail !== c.error.detail)
    problems.push(`apply_patch: detail ${JSON.stringify(o.error.detail)}, expected ${JSON.stringify(c.error.detail)}`);
  const lib = library(c);
  if (c.scim_patch) {
    if (!c.why) problems.push('"scim_patch" differs without a "why"');
    if (same(lib, want)) problems.push('scim-patch now agrees: the difference is gone, remove "scim_patch"');
    else if (!same(lib, c.scim_patch)) problems.push(`scim-patch: ${show(lib)}, recorded ${show(c.scim_patch)}`);
  } else if (!same(lib, want)) {
    problems.push(`scim-patch: ${show(lib)}, expected ${show(want)}`);
  }
  if (problems.length) {
    failed++;
    console.log(`not ok - ${c.name}`);
    for (const p of problems) console.log(`    ${p}`);
  } else {
    passed++;
    console.log(`ok - ${c.name}${c.scim_patch ? ' (scim-patch differs as recorded)' : ''}`);
  }
}
for (const name of ours.keys())
  if (!names.has(name)) { failed++; console.log(`not ok - apply_patch printed an unknown case ${name}`); }
if (corpus.cases.length === 0) { failed++; console.log('not ok - the corpus has no case'); }
console.log(`patches: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
