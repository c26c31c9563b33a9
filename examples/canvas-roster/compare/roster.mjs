// Lists every enrolment of a Canvas course with @kth/canvas-api and prints one line to stdout:
// their count. The counterpart of examples/canvas-roster for the comparison in BENCHMARKS.md.
//
//   npm ci                 # installs the locked @kth/canvas-api 5.1.1 (node_modules is ignored)
//   node roster.mjs BASE_URL TOKEN [COURSE]
//
// BASE_URL ends in /api/v1; COURSE defaults to sis_course_id:BENCH. The library's own request
// queue (one request after the other, with a pause when throttled) is switched off unless
// THROTTLE=1, so it runs as fast as it can. The library prints "Canvas API module loaded." to
// stdout when it is imported; that line comes before the count. Records stay the untyped
// objects JSON.parse makes, which is all the library offers.
import { CanvasApi } from "@kth/canvas-api";

const [baseURL, token, course = "sis_course_id:BENCH"] = process.argv.slice(2);
if (!baseURL || !token) {
  console.error("usage: node roster.mjs BASE_URL TOKEN [COURSE]");
  process.exit(2);
}
const canvas = new CanvasApi(baseURL, token, { disableThrottling: process.env.THROTTLE !== "1" });
let count = 0;
for await (const e of canvas.listItems(`courses/${course}/enrollments`, { per_page: 100 })) {
  if (e.id) count++;
}
process.stdout.write(count + "\n");
