// Package browsertest drives the review page (package review) in a real headless Chromium:
// it opens a plan, filters it, answers questions one by one and in bulk, releases a safety
// hold and sees the next run apply it, checks every view with axe-core for accessibility
// violations, checks that markup and script in records never execute, and that the basic flow
// works with JavaScript off. With -screenshots it saves a picture of each view under
// docs/review/.
//
// It is a module of its own so that chromedp, a test-only dependency, never reaches the
// module graph of programs that import edusync: go test ./... in the repository's root does
// not enter it; run it with
//
//	cd review/browsertest && go test ./...
//
// as .ci/run does. The tests use Debian's Chromium (/usr/bin/chromium, or $CHROMIUM) with
// --headless --no-sandbox (CI runs as root) and a fresh profile; they skip, saying why, when it
// is missing, and fail instead under CI (CI set), which installs it.
//
// testdata/axe.min.js is axe-core 4.14.1 from npm, unmodified, under the Mozilla Public
// License 2.0 (testdata/axe-core-LICENSE.txt); the tests inject it into each page.
package browsertest
