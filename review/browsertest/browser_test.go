package browsertest

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

var screenshots = flag.Bool("screenshots", false, "save a screenshot of each view under docs/review/ (for the documentation)")

//go:embed testdata/axe.min.js
var axeSource string

// chromium is the path of Debian's Chromium, or why the tests cannot run. Under CI (which
// installs it) a missing browser fails the test instead of skipping it.
func chromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		msg := fmt.Sprintf("NO BROWSER: %s not found (apt-get install chromium, or set CHROMIUM); the review page's browser tests did not run", path)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return path
}

// browser is a tab of a fresh headless Chromium, with JavaScript on or off. Any dialog the
// page opens (alert, confirm) fails the test: the page opens none, so one would be a
// record's script running.
type browser struct {
	t   *testing.T
	ctx context.Context
	dir string // where screenshots go
}

func newBrowser(t *testing.T, js bool) *browser {
	t.Helper()
	path := chromium(t)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	b := &browser{t: t, ctx: ctx, dir: t.TempDir()}
	if *screenshots {
		b.dir = filepath.Join("..", "..", "docs", "review")
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			t.Errorf("the page opened a dialog (a record's script ran?): %q", ev.Message)
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	if !js {
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) open(url string) {
	b.t.Helper()
	b.do(chromedp.Navigate(url))
}

// submit clicks a button (or link) and waits for the page it leads to.
func (b *browser) submit(sel string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
		b.t.Fatalf("clicking %s: %v", sel, err)
	}
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func eval[T any](b *browser, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("%s: %v", js, err)
	}
	return v
}

// check looks at the page shown: nothing of a record ran (no window.__xss, no element or
// script but the page's own), and axe-core finds no accessibility violation. With a name, it
// saves a screenshot.
func (b *browser) check(name string) {
	b.t.Helper()
	if eval[bool](b, `window.__xss !== undefined`) {
		b.t.Errorf("%s: a record's script ran", name)
	}
	if n := eval[int](b, `document.querySelectorAll('img, iframe, object, embed, svg').length`); n != 0 {
		b.t.Errorf("%s: %d elements that the page never makes", name, n)
	}
	if n := eval[int](b, `document.scripts.length`); n > 1 {
		b.t.Errorf("%s: %d scripts, the page has one", name, n)
	}
	if eval[bool](b, `typeof axe === 'undefined'`) {
		b.do(chromedp.Evaluate[chromedp.Void](axeSource))
	}
	violations, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]struct {
		ID, Impact, Help string
		Nodes            []string
	}](`axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v =>
		({id: v.id, impact: v.impact || '', help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: axe: %v", name, err)
	}
	for _, v := range violations {
		b.t.Errorf("%s: axe: %s (%s): %s at %v", name, v.ID, v.Impact, v.Help, v.Nodes)
	}
	if name != "" {
		png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			b.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(b.dir, name+".png"), png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
}

// waitFor reloads url until the page holds want, for a run that the pipeline's Start loop
// makes in the background.
func (b *browser) waitFor(url, want string) {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b.open(url)
		body := b.text("main")
		if strings.Contains(body, want) {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s never showed %q; it shows:\n%s", url, want, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (b *browser) has(sel, want string) {
	b.t.Helper()
	if got := b.text(sel); !strings.Contains(got, want) {
		b.t.Fatalf("%s holds %q, want %q in it", sel, got, want)
	}
}

// TestReviewInChromium goes through the page as a reviewer would: the pipelines, a plan
// filtered and searched, the questions answered one by one and in bulk, a run asked for and
// its audit trail, a safety hold released and the next run applying it, the page in Swedish.
func TestReviewInChromium(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t, true)

	b.open(s.url + "/")
	b.has("h1", "Pipelines")
	b.has("table.pipelines", "questions: 3, answered: 0")
	b.check("overview")

	b.submit(`a[href$="/p/kommun-x%2Felever/"]`)
	b.has("h1", waitingName)
	b.check("pipeline")

	// The plan, filtered to persons and searched.
	b.submit(`table.runs a[href$="/runs/1/"]`)
	b.has("h1", "Plan of run 1")
	b.do(chromedp.SetValue(chromedp.ID("f-kind"), "person"), chromedp.SendKeys(chromedp.ID("f-q"), "elev00"))
	b.submit(`form.filter button[type=submit]`)
	if n := eval[int](b, `document.querySelectorAll('table.actions tbody tr').length`); n != 10 {
		t.Errorf("the filtered plan lists %d actions, want 10", n)
	}
	b.has(".pager, .count", "10")
	b.do(chromedp.ScrollIntoView(chromedp.ID("a-h")))
	b.check("plan")
	// The hostile record is shown as text.
	b.open(s.url + "/p/kommun-x%2Felever/runs/1/?q=javascript")
	b.has("table.actions", `<script>window.__xss=1</script>`)
	b.check("")

	// The questions: the select-all box the script adds, then one answer at a time and one in bulk.
	b.open(s.url + "/p/kommun-x%2Felever/questions")
	b.has("h1", "Questions")
	b.check("")
	b.do(chromedp.Click(chromedp.ID("sel-all")))
	b.has("fieldset.bulk", "selected: 3")
	b.do(chromedp.Click(chromedp.ID("sel-all")))
	b.has("fieldset.bulk", "selected: 0")
	b.submit(`button[name=approve][aria-label="Approve: Berg, Eva"]`)
	b.has(".flash", "Answers saved: 1")
	b.do(chromedp.Click(chromedp.CSS(`article.question:nth-of-type(2) input[name=sel]`)))
	b.submit(`button[name=bulk][value=approve]`)
	b.has(".flash", "Answers saved: 1")
	b.submit(`article.question:nth-of-type(3) button[name=reject]`)
	b.has(".flash", "Answers saved: 1")
	b.has("main", "Waiting for an answer: 0. Answered: 3.")
	b.has("article.question:nth-of-type(2)", "only the name and an opaque id are shown")
	b.check("questions")

	// A run now: the pipeline's Start loop applies the answers.
	b.submit(`form.inline button[type=submit]`)
	b.has(".flash", "A run was requested")
	b.waitFor(pipelineURL(s, waitingName), "122 created, 2 updated")
	b.submit(`table.runs a[href$="/runs/2/audit"]`)
	b.has("h1", "Audit trail of run 2")
	b.do(chromedp.SetValue(chromedp.ID("f-status"), "applied"), chromedp.SendKeys(chromedp.ID("f-q"), "berg"))
	b.submit(`form.filter button[type=submit]`)
	b.has("table.audit", "Berg, Eva")
	b.do(chromedp.ScrollIntoView(chromedp.ID("a-h")))
	b.check("audit")

	// The held pipeline: why it is held, the explicit release, and the run after it.
	b.open(pipelineURL(s, heldName))
	b.has("section.hold", "more than 10 % and more than 10")
	b.check("hold")
	b.do(chromedp.Click(chromedp.CSS(`form.release button[type=submit]`)))
	b.has("h1", heldName) // the box is required: nothing was sent
	b.do(chromedp.Click(chromedp.ID("reviewed")))
	b.submit(`form.release button[type=submit]`)
	b.has(".flash", "The hold is released")
	b.has("section.hold", "Released for the next run (run 2 reviewed) by Anna Admin")
	b.submit(`form.inline button[type=submit]`)
	b.waitFor(pipelineURL(s, heldName), "after the release of run 2 by Anna Admin")
	b.has("table.runs", "0 created, 0 updated, 18 deactivated, 0 deleted")
	b.check("released")

	// The page in Swedish, chosen with the language links.
	b.open(s.url + "/")
	b.submit(`nav.langs a[hreflang=sv]`)
	b.has("h1", "Flöden")
	b.check("overview-sv")
}

// TestBasicFlowWithoutJavaScript answers questions, one and in bulk, and releases a hold with
// the browser's JavaScript turned off.
func TestBasicFlowWithoutJavaScript(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t, false)
	b.open(s.url + "/p/kommun-x%2Felever/questions")
	if n := eval[int](b, `document.querySelectorAll('#sel-all').length`); n != 0 {
		t.Fatal("the page's script ran although JavaScript is off")
	}
	b.submit(`button[name=approve][aria-label="Approve: Berg, Eva"]`)
	b.has(".flash", "Answers saved: 1")
	b.do(chromedp.Click(chromedp.CSS(`article.question:nth-of-type(2) input[name=sel]`)),
		chromedp.Click(chromedp.CSS(`article.question:nth-of-type(3) input[name=sel]`)))
	b.submit(`button[name=bulk][value=reject]`)
	b.has(".flash", "Answers saved: 2")
	b.open(pipelineURL(s, heldName))
	b.do(chromedp.Click(chromedp.ID("reviewed")))
	b.submit(`form.release button[type=submit]`)
	b.has(".flash", "The hold is released")
	b.has("section.hold", "Released for the next run")
}
