// The module's SCIM filters against npm scim2-parse-filter, over one corpus.
//   build/scim/filter-cli t/scim/filters.json | node t/scim/filter-check.mjs t/scim/filters.json
// stdin: the module's answer per case (filter-cli.c++). Each case must give
// what its `expect` says; scim2-parse-filter (parse + filter) must give the
// same, or what the case's `library` says, with a `why`. A `library` note that
// has become the same as `expect` is a problem too: the note would no longer
// be true.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';

const require = createRequire(`${resolvePath(process.env.MTT_NPM_DIR || 'build/npm')}/node_modules/`);
const { parse, filter } = require('scim2-parse-filter');

const corpus = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const ours = readFileSync(0, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

const show = (a) => (a === 'error' ? 'error' : `[${a.join(', ')}]`);
const same = (a, b) => show(a) === show(b);

let problems = 0;
let differ = 0;
const problem = (i, c, what) => {
  console.log(`case ${i} (${c.filter}): ${what}`);
  problems++;
};

if (ours.length !== corpus.cases.length)
  problem('-', { filter: '' }, `filter-cli answered ${ours.length} cases of ${corpus.cases.length}`);

corpus.cases.forEach((c, i) => {
  const on = c.on || 'users';
  const resources = corpus[on];
  const o = ours[i];
  if (!o || o.case !== i) return;

  // the module against the corpus
  if (Array.isArray(c.expect)) {
    if (o.error !== undefined) problem(i, c, `refused (${o.error}), expected ${show(c.expect)}`);
    else if (!same(o.matches, c.expect)) problem(i, c, `matched ${show(o.matches)}, expected ${show(c.expect)}`);
  } else if (o.error !== c.expect.error) {
    problem(i, c, o.error !== undefined ? `refused with "${o.error}", expected "${c.expect.error}"`
      : `matched ${show(o.matches)}, expected the error "${c.expect.error}"`);
  }

  // the library against the module's expectation, or the noted difference
  let lib;
  try {
    const test = filter(parse(c.filter));
    lib = Object.entries(resources).filter(([, r]) => test(r)).map(([name]) => name);
  } catch {
    lib = 'error';
  }
  const mine = Array.isArray(c.expect) ? c.expect : 'error';
  if (c.library === undefined) {
    if (!same(lib, mine)) problem(i, c, `scim2-parse-filter gives ${show(lib)}, the module ${show(mine)}, and the case notes no difference`);
  } else {
    if (!c.why) problem(i, c, 'a difference without a why');
    if (!same(lib, c.library)) problem(i, c, `scim2-parse-filter gives ${show(lib)}, the case says ${show(c.library)}`);
    else if (same(c.library, mine)) problem(i, c, 'the noted difference is none');
    else differ++;
  }
  if (on !== 'users' && on !== 'groups') problem(i, c, `unknown "on": ${on}`);
});

const n = corpus.cases.length;
console.log(problems ? `scim filters: ${problems} problem(s)`
  : `scim filters: ${n} cases as expected; scim2-parse-filter agrees on ${n - differ}, differs as noted on ${differ}`);
process.exit(problems ? 1 : 0);
