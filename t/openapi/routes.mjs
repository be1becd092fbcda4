// Every route of the router is described in the OpenAPI description, and
// nothing else is. Reads the router's "METHOD pattern" lines on stdin.
//   build/openapi/routes | node t/openapi/routes.mjs doc/openapi.json
import { readFileSync } from 'node:fs';

const doc = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
const described = new Set();
for (const [path, item] of Object.entries(doc.paths))
  for (const m of methods)
    if (item[m]) described.add(`${m.toUpperCase()} ${path.replace(/^\//, '')}`);

const routed = new Set(readFileSync(0, 'utf8').split('\n').filter(Boolean));
let problems = 0;
for (const r of routed)
  if (!described.has(r)) { console.log(`not described: ${r}`); problems++; }
for (const d of described)
  if (!routed.has(d)) { console.log(`described but not routed: ${d}`); problems++; }
if (routed.size === 0) { console.log('the router listed no route'); problems++; }
console.log(problems ? `routes: ${problems} problem(s)` :
  `routes: the ${routed.size} routes of the router are the ${described.size} operations of the description`);
process.exit(problems ? 1 : 0);
