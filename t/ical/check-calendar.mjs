// Reads an iCalendar object on stdin, parses it with ical.js (an independent
// RFC 5545 implementation) and prints what it understood, one line each:
//
//   calendar VERSION=2.0 components=vevent,vevent
//   event UID start=2030-01-01T10:00:00Z end=2030-01-01T11:00:00Z duration=PT1H summary=... location=...
//   problem: <what RFC 5545 wants and the calendar does not have>
//
// and exits 1 when ical.js refused it. The checks ical.js does not make
// itself (it is a lenient parser) are made here: CRLF line ends, lines of at
// most 75 octets, at least one component (section 3.6), the properties a
// VEVENT must have and DTEND later than DTSTART (section 3.6.1).
//
// ical.js comes from build/npm (make's rule for it), or from ICALJS, the
// path of its dist/ical.js.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const where = process.env.ICALJS
    ? pathToFileURL(process.env.ICALJS)
    : new URL('../../build/npm/node_modules/ical.js/dist/ical.js', import.meta.url);
let ICAL;
try {
    ICAL = (await import(where)).default;
} catch (e) {
    console.log(`ical.js cannot be loaded from ${where} (make installs it): ${e.message}`);
    process.exit(2);
}

const bytes = readFileSync(0);
const text = bytes.toString('utf8');
const out = [];
const problem = (what) => out.push(`problem: ${what}`);

// the physical lines, before ical.js unfolds them
if (!text.endsWith('\r\n'))
    problem('the last line does not end with CRLF');
const lines = text.split('\r\n').slice(0, -1);
lines.forEach((line, i) => {
    if (line.includes('\n') || line.includes('\r'))
        problem(`line ${i + 1} has a bare LF or CR`);
    if (Buffer.byteLength(line, 'utf8') > 75)
        problem(`line ${i + 1} is longer than 75 octets`);
});

let calendar;
try {
    calendar = new ICAL.Component(ICAL.parse(text));
} catch (e) {
    console.log(`ical.js refused the calendar: ${e.message}`);
    process.exit(1);
}
if (calendar.name !== 'vcalendar')
    problem(`the object is a ${calendar.name}, not a vcalendar`);
for (const name of ['version', 'prodid'])
    if (calendar.getAllProperties(name).length !== 1)
        problem(`the calendar has ${calendar.getAllProperties(name).length} ${name.toUpperCase()}`);
const components = calendar.getAllSubcomponents();
if (components.length === 0)
    problem('the calendar has no component (RFC 5545 section 3.6 wants one at least)');
out.unshift(`calendar VERSION=${calendar.getFirstPropertyValue('version')} ` +
            `components=${components.map((c) => c.name).join(',')}`);

for (const vevent of calendar.getAllSubcomponents('vevent')) {
    for (const name of ['uid', 'dtstamp', 'dtstart'])
        if (vevent.getAllProperties(name).length !== 1)
            problem(`a VEVENT has ${vevent.getAllProperties(name).length} ${name.toUpperCase()}`);
    const event = new ICAL.Event(vevent);
    const dtend = vevent.getFirstPropertyValue('dtend');
    if (dtend && vevent.hasProperty('duration'))
        problem(`the VEVENT ${event.uid} has both DTEND and DURATION`);
    if (dtend && dtend.compare(event.startDate) <= 0)
        problem(`the VEVENT ${event.uid} has a DTEND that is not later than its DTSTART`);
    out.push(`event ${event.uid} start=${event.startDate} end=${event.endDate} ` +
             `duration=${event.duration} summary=${event.summary ?? ''} ` +
             `location=${event.location ?? ''}`);
}
console.log(out.join('\n'));
