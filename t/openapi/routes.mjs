// Every route of the routers is described in the OpenAPI description, and
// nothing else is. Reads the routers' "TABLE METHOD pattern" lines on stdin.
//   build/openapi/routes | node t/openapi/routes.mjs doc/openapi.json
//
// The API's routes ("api") are the paths under the document's servers (the
// location that carries `mytimetable;`); SCIM's ("scim") are the paths whose
// item carries servers of its own (the location that carries
// `mytimetable_scim;`), the same for each of them.
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';

const doc = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
let problems = 0;
const problem = what => { console.log(what); problems++; };

let scimServers = null;
const described = new Set();
for (const [path, item] of Object.entries(doc.paths)) {
  let table = 'api';
  if (item.servers) {
    table = 'scim';
    if (isDeepStrictEqual(item.servers, doc.servers))
      problem(`${path}: its servers are the document's`);
    else if (!scimServers)
      scimServers = item.servers;
    else if (!isDeepStrictEqual(item.servers, scimServers))
      problem(`${path}: its servers are not those of the other SCIM paths`);
  }
  for (const m of methods)
    if (item[m]) described.add(`${table} ${m.toUpperCase()} ${path.replace(/^\//, '')}`);
}

const routed = new Set(readFileSync(0, 'utf8').split('\n').filter(Boolean));
for (const r of routed)
  if (!described.has(r)) problem(`not described: ${r}`);
for (const d of described)
  if (!routed.has(d)) problem(`described but not routed: ${d}`);
for (const table of ['api', 'scim'])
  if (![...routed].some(r => r.startsWith(`${table} `))) problem(`the router listed no ${table} route`);
const count = table => [...routed].filter(r => r.startsWith(`${table} `)).length;
console.log(problems ? `routes: ${problems} problem(s)` :
  `routes: the ${count('api')} API and ${count('scim')} SCIM routes of the routers are the ${described.size} operations of the description`);
process.exit(problems ? 1 : 0);
