package review_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/pipeline"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/review"
	"github.com/edusync/edusync/store"
)

func TestNewRefusesMissingStoreCheckAndBadOptions(t *testing.T) {
	st := store.NewMemory()
	defer st.Close()
	allow := func(*http.Request, review.Action, string) (string, bool) { return "x", true }
	tests := []struct {
		name  string
		st    store.Store
		check review.Check
		opts  []review.Option
	}{
		{"no store", nil, allow, nil},
		{"no check", st, nil, nil},
		{"short secret", st, allow, []review.Option{review.WithSecret([]byte("short"))}},
		{"unknown language", st, allow, []review.Option{review.WithLanguage("fr")}},
		{"relative base path", st, allow, []review.Option{review.WithBasePath("admin")}},
		{"negative cache", st, allow, []review.Option{review.WithCache(-1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := review.New(tt.st, tt.check, tt.opts...); !errors.Is(err, review.ErrInvalid) {
				t.Fatalf("New: %v, want ErrInvalid", err)
			}
		})
	}
}

func TestOverviewListsOnlyPipelinesTheCheckAllows(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	_, body := c.get("/")
	for _, name := range []string{waitingName, heldName} {
		if !strings.Contains(body, name) {
			t.Errorf("overview lacks %s", name)
		}
	}
	if !strings.Contains(body, "Held") || !strings.Contains(body, "questions: 3, answered: 0") {
		t.Errorf("overview does not say what needs attention:\n%s", body)
	}
	f.h, _ = review.New(f.st, func(r *http.Request, act review.Action, name string) (string, bool) {
		return "Anna", name == heldName
	})
	f.srv.Config.Handler = http.StripPrefix("/admin/sync", f.h)
	_, body = c.get("/")
	if strings.Contains(body, waitingName) || !strings.Contains(body, heldName) {
		t.Errorf("overview shows a pipeline the check forbids, or hides an allowed one:\n%s", body)
	}
	if code, _ := c.get(pipelinePath(waitingName)); code != http.StatusForbidden {
		t.Errorf("forbidden pipeline's page: %d, want 403", code)
	}
}

func TestPagesAnswerErrorsWithStatusAndMessage(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	tests := []struct {
		path string
		code int
		text string
	}{
		{pipelinePath("no-such"), http.StatusNotFound, "There is no such page"},
		{pipelinePath(waitingName) + "runs/99/", http.StatusNotFound, "There is no such page"},
		{pipelinePath(waitingName) + "runs/x/", http.StatusNotFound, "There is no such page"},
		{pipelinePath(waitingName) + "runs/1/audit", http.StatusNotFound, "no plan or no results"},
		{pipelinePath(waitingName) + "runs/1/?kind=teacher", http.StatusBadRequest, "not one this page makes"},
		{pipelinePath(waitingName) + "runs/1/?page=0", http.StatusBadRequest, "not one this page makes"},
		{pipelinePath(waitingName) + "runs/1/?size=7", http.StatusBadRequest, "not one this page makes"},
		{pipelinePath(waitingName) + "runs/1/?q=" + strings.Repeat("x", 201), http.StatusBadRequest, "not one this page makes"},
		{pipelinePath(waitingName) + "questions?state=maybe", http.StatusBadRequest, "not one this page makes"},
		{"/nowhere", http.StatusNotFound, "There is no such page"},
		{"/static/nothing.css", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			code, body := c.get(tt.path)
			if code != tt.code || !strings.Contains(body, tt.text) {
				t.Fatalf("GET %s: %d, want %d with %q:\n%.600s", tt.path, code, tt.code, tt.text, body)
			}
		})
	}
}

// rowsOn counts the actions listed on a plan page.
func rowsOn(body string) int { return count(body, `<tr id="a-`) }

var positionRe = regexp.MustCompile(`<p>(\d+)–(\d+) of (\d+) \(page (\d+) of (\d+)\)|<p class="count">(\d+) in all`)

// matchedOn is how many actions the page says match.
func matchedOn(t *testing.T, body string) int {
	t.Helper()
	m := positionRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no count on the page")
	}
	s := m[3]
	if s == "" {
		s = m[6]
	}
	n, _ := strconv.Atoi(s)
	return n
}

func TestPlanPageFiltersSearchesAndPages(t *testing.T) {
	for _, cacheRows := range []int{review.DefaultCacheRows, 0} {
		t.Run("cache="+strconv.Itoa(cacheRows), func(t *testing.T) {
			f := newFixture(t, review.WithCache(cacheRows))
			c := f.client()
			plan := pipelinePath(waitingName) + "runs/1/"
			tests := []struct {
				query   string
				matched int
				listed  int
				has     string
			}{
				{"", 247, 50, "Listed actions by kind and operation (247 in all)"},
				{"?page=5", 247, 47, "201–247 of 247 (page 5 of 5)"},
				{"?page=9", 247, 47, "201–247 of 247 (page 5 of 5)"}, // past the end: the last page
				{"?size=200&page=2", 247, 47, ""},
				{"?kind=person", 125, 50, ""},
				{"?kind=person&op=create", 122, 50, ""},
				{"?kind=membership&op=create", 120, 50, ""},
				{"?op=import", 1, 1, "Deniz"},
				{"?confirm=pending", 3, 3, "Berg, Eva"},
				{"?confirm=none&kind=group", 1, 1, "7a"},
				{"?case=3", 2, 2, "Berg, Eva"},
				{"?kind=person&case=6", 122, 50, ""},
				{"?q=elev007", 1, 1, "Elev007, Kim"},
				{"?q=ELEV00", 10, 10, ""},
				{"?q=Hemlig", 1, 1, "Hemlig, Hanna"},
				{"?q=Gömda", 0, 0, "No action matches the filter."},       // a protected person's details are not searchable
				{"?q=" + url.QueryEscape(numbers[0]), 3, 3, "[redacted]"}, // a number finds where numbers were masked
				{"?q=nothing-matches-this", 0, 0, "No action matches the filter."},
			}
			for _, tt := range tests {
				t.Run(tt.query, func(t *testing.T) {
					code, body := c.get(plan + tt.query)
					if code != http.StatusOK {
						t.Fatalf("%d:\n%.500s", code, body)
					}
					if got := matchedOn(t, body); got != tt.matched {
						t.Errorf("matched %d, want %d", got, tt.matched)
					}
					if got := rowsOn(body); got != tt.listed {
						t.Errorf("listed %d, want %d", got, tt.listed)
					}
					if !strings.Contains(body, tt.has) {
						t.Errorf("page lacks %q", tt.has)
					}
				})
			}
		})
	}
}

func TestPlanPageShowsCountsReasonsAndDiffs(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	_, body := c.get(pipelinePath(waitingName) + "runs/1/?q=elev007")
	for _, want := range []string{
		`kind=person&amp;op=create">122</a>`, // kind x op, linked to the filter
		`case=6&amp;kind=person">122</a>`,    // per case
		"6: new",
		"no target record matches by key or attributes",
		`<span class="field">Family name</span>: → <ins>Elev007</ins>`,
		`<span class="field">Birth date</span>: → <ins>2012-01-08</ins>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("plan page lacks %s", want)
		}
	}
}

func TestQuestionsAnsweredOneByOneAndInBulkReachTheNextRun(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.client()
	qpath := pipelinePath(waitingName) + "questions"
	keys := c.questionKeys(qpath)
	if len(keys) != 3 {
		t.Fatalf("%d questions on the page, want 3", len(keys))
	}
	// One by one: approve the first.
	code, loc := c.post(qpath, qpath, url.Values{"run": {"1"}, "approve": {keys[0]}})
	if code != http.StatusSeeOther || !strings.Contains(loc, "done=answered") {
		t.Fatalf("approve: %d %s", code, loc)
	}
	answers, _ := f.waiting.Ledger().Answers(ctx)
	if len(answers) != 1 || answers[0].Verdict != reconcile.Approve || answers[0].By != "Anna Admin" {
		t.Fatalf("answers after one approval: %+v", answers)
	}
	_, body := c.follow(loc)
	if !strings.Contains(body, "Answers saved: 1") || !strings.Contains(body, "by Anna Admin") {
		t.Errorf("the page does not confirm the answer:\n%.2000s", body)
	}
	// In bulk: reject all, then withdraw the second and third.
	if code, loc := c.post(qpath, qpath, url.Values{"run": {"1"}, "bulk": {"reject"}, "sel": keys}); code != http.StatusSeeOther {
		t.Fatalf("bulk reject: %d %s", code, loc)
	}
	if code, _ := c.post(qpath, qpath, url.Values{"run": {"1"}, "bulk": {"undo"}, "sel": keys[1:]}); code != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", code)
	}
	answers, _ = f.waiting.Ledger().Answers(ctx)
	var got []reconcile.Verdict
	for _, a := range answers {
		got = append(got, a.Verdict)
	}
	if diff := cmp.Diff([]reconcile.Verdict{reconcile.Reject}, got); diff != "" {
		t.Fatalf("answers (-want +got):\n%s", diff)
	}
	// Approve the matches, reject the import, and run: the next run writes the matches.
	c.post(qpath, qpath, url.Values{"run": {"1"}, "bulk": {"approve"}, "sel": keys[:2]})
	c.post(qpath, qpath, url.Values{"run": {"1"}, "reject": {keys[2]}})
	r, err := f.waiting.Run(ctx)
	if err != nil || r.Status != pipeline.StatusSucceeded {
		t.Fatalf("run after the answers: %s %v", r.Status, err)
	}
	if p, _ := f.tgt.Snapshot().Persons, 0; !hasReferrer(p, "t-berg", "S-berg") {
		t.Errorf("the approved match was not written to the target")
	}
}

func hasReferrer(ps []reconcile.Person, id, ref string) bool {
	for _, p := range ps {
		if p.Keys.TargetID == id && p.Keys.Referrer == ref {
			return true
		}
	}
	return false
}

func TestAnswerRefusesStaleAndUnknownQuestions(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	qpath := pipelinePath(waitingName) + "questions"
	keys := c.questionKeys(qpath)
	tests := []struct {
		name string
		form url.Values
		code int
	}{
		{"older run", url.Values{"run": {"0"}, "approve": {keys[0]}}, http.StatusConflict},
		{"unknown key", url.Values{"run": {"1"}, "approve": {"nosuchkey"}}, http.StatusConflict},
		{"no run", url.Values{"approve": {keys[0]}}, http.StatusBadRequest},
		{"no verdict", url.Values{"run": {"1"}}, http.StatusBadRequest},
		{"two verdicts", url.Values{"run": {"1"}, "approve": {keys[0]}, "reject": {keys[1]}}, http.StatusBadRequest},
		{"bulk with nothing selected", url.Values{"run": {"1"}, "bulk": {"approve"}}, http.StatusBadRequest},
		{"unknown bulk verdict", url.Values{"run": {"1"}, "bulk": {"maybe"}, "sel": keys}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, body := c.post(qpath, qpath, tt.form); code != tt.code {
				t.Fatalf("%d, want %d:\n%.400s", code, tt.code, body)
			}
		})
	}
	if a, _ := f.waiting.Ledger().Answers(context.Background()); len(a) != 0 {
		t.Fatalf("refused forms stored answers: %+v", a)
	}
}

func TestFormsRefuseMissingForgedAndCrossOriginTokens(t *testing.T) {
	f := newFixture(t)
	qpath := pipelinePath(waitingName) + "questions"
	c := f.client()
	keys := c.questionKeys(qpath)
	good := c.token(qpath)
	other := f.client()
	otherToken := other.token(qpath)
	tests := []struct {
		name   string
		token  string
		header http.Header
	}{
		{"no token", "", nil},
		{"forged token", "AAAA" + good[4:], nil},
		{"another browser's token", otherToken, nil},
		{"cross-site post", good, http.Header{"Sec-Fetch-Site": {"cross-site"}}},
		{"foreign origin", good, http.Header{"Origin": {"https://evil.example"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"run": {"1"}, "approve": {keys[0]}, "csrf": {tt.token}}
			code, body := c.do(http.MethodPost, qpath, form, tt.header)
			if code != http.StatusForbidden {
				t.Fatalf("%d, want 403:\n%.300s", code, body)
			}
		})
	}
	for _, p := range []string{pipelinePath(heldName) + "release", pipelinePath(heldName) + "trigger"} {
		code, _ := c.do(http.MethodPost, p, url.Values{"run": {"2"}, "reviewed": {"yes"}}, nil)
		if code != http.StatusForbidden {
			t.Errorf("POST %s without a token: %d, want 403", p, code)
		}
	}
	if a, _ := f.waiting.Ledger().Answers(context.Background()); len(a) != 0 {
		t.Fatalf("a refused post stored answers: %+v", a)
	}
	if _, h, _ := f.held.Ledger().Hold(context.Background()); !h {
		t.Fatal("a refused post released the hold")
	}
}

func TestSessionBoundTokensWorkOnlyInTheirSession(t *testing.T) {
	session := "s1"
	f := newFixture(t, review.WithSession(func(*http.Request) string { return session }))
	c := f.client()
	qpath := pipelinePath(waitingName) + "questions"
	keys := c.questionKeys(qpath)
	tok := c.token(qpath)
	session = "s2"
	if code, _ := c.do(http.MethodPost, qpath, url.Values{"run": {"1"}, "approve": {keys[0]}, "csrf": {tok}}, nil); code != http.StatusForbidden {
		t.Fatalf("a token of another session: %d, want 403", code)
	}
	session = "s1"
	if code, _ := c.do(http.MethodPost, qpath, url.Values{"run": {"1"}, "approve": {keys[0]}, "csrf": {tok}}, nil); code != http.StatusSeeOther {
		t.Fatalf("the session's own token: %d, want 303", code)
	}
}

func TestActionsNeedTheirPermission(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	qpath := pipelinePath(waitingName) + "questions"
	keys := c.questionKeys(qpath)
	tok := c.token(qpath)
	f.perms.set("Vera Viewer", review.ActionView)
	_, body := c.get(qpath)
	if strings.Contains(body, `name="approve"`) {
		t.Error("the questions page offers answers to someone who may only view")
	}
	_, body = c.get(pipelinePath(heldName))
	if strings.Contains(body, "Release the hold") || strings.Contains(body, "Run now") {
		t.Error("the pipeline page offers a release or a run to someone who may only view")
	}
	posts := []struct {
		path string
		form url.Values
	}{
		{qpath, url.Values{"run": {"1"}, "approve": {keys[0]}}},
		{pipelinePath(heldName) + "release", url.Values{"run": {"2"}, "reviewed": {"yes"}}},
		{pipelinePath(heldName) + "trigger", url.Values{}},
	}
	for _, p := range posts {
		p.form.Set("csrf", tok)
		if code, _ := c.do(http.MethodPost, p.path, p.form, nil); code != http.StatusForbidden {
			t.Errorf("POST %s by a viewer: %d, want 403", p.path, code)
		}
	}
	// Allowed, but the host names nobody: nothing is recorded without a name.
	f.perms.set("", everything...)
	if code, _ := c.do(http.MethodPost, qpath, url.Values{"run": {"1"}, "approve": {keys[0]}, "csrf": {tok}}, nil); code != http.StatusForbidden {
		t.Errorf("an answer by nobody: %d, want 403", code)
	}
	f.perms.set("Nils", review.ActionAnswer)
	if code, _ := c.get(qpath); code != http.StatusForbidden {
		t.Errorf("viewing without ActionView: %d, want 403", code)
	}
}

func TestReleaseNeedsTheReviewedBoxAndAHeldRun(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.client()
	ppath := pipelinePath(heldName)
	_, body := c.get(ppath)
	for _, want := range []string{"Safety hold", "Deactivate", "more than 10 % and more than 10", "60.0 %", "Release the hold"} {
		if !strings.Contains(strings.ToLower(body), strings.ToLower(want)) {
			t.Errorf("the held pipeline's page lacks %q", want)
		}
	}
	tests := []struct {
		name string
		form url.Values
		code int
	}{
		{"box not ticked", url.Values{"run": {"2"}}, http.StatusBadRequest},
		{"a run that is not held", url.Values{"run": {"1"}, "reviewed": {"yes"}}, http.StatusConflict},
		{"no run", url.Values{"reviewed": {"yes"}}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, body := c.post(ppath, ppath+"release", tt.form); code != tt.code {
				t.Fatalf("%d, want %d:\n%.300s", code, tt.code, body)
			}
		})
	}
	if code, loc := c.post(ppath, ppath+"release", url.Values{"run": {"2"}, "reviewed": {"yes"}}); code != http.StatusSeeOther {
		t.Fatalf("release: %d %s", code, loc)
	}
	h, _, _ := f.held.Ledger().Hold(ctx)
	if h.Released == nil || h.Released.By != "Anna Admin" || h.Released.Run != 2 {
		t.Fatalf("hold after the release: %+v", h)
	}
	_, body = c.get(ppath)
	if !strings.Contains(body, "Released for the next run (run 2 reviewed) by Anna Admin") || strings.Contains(body, "Release the hold") {
		t.Errorf("the page does not show the release:\n%.3000s", body)
	}
	r, err := f.held.Run(ctx)
	if err != nil || r.Status != pipeline.StatusSucceeded || r.Report.Counts.Deactivated != 18 {
		t.Fatalf("run after the release: %s %v", r.Status, err)
	}
	_, body = c.get(ppath)
	if strings.Contains(body, "Safety hold") || !strings.Contains(body, "after the release of run 2 by Anna Admin") {
		t.Errorf("the page after the released run:\n%.3000s", body)
	}
}

func TestAHoldWithoutTripsIsReleasedToo(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.heldSrc.Persons = f.heldSrc.Persons[:12:12]
	for i := 12; i < 30; i++ { // the export is whole again, but the pipeline stays held
		f.heldSrc.Persons = append(f.heldSrc.Persons, reconcile.Person{Keys: reconcile.Keys{SourceKey: "H-" + strconv.Itoa(i)},
			FamilyName: "Lärare " + strconv.Itoa(i), GivenNames: "Alex"})
	}
	if r, _ := f.held.Run(ctx); r.Status != pipeline.StatusHeld || len(r.Hold.Trips) != 0 {
		t.Fatalf("run 3: %s %+v", r.Status, r.Hold)
	}
	c := f.client()
	ppath := pipelinePath(heldName)
	_, body := c.get(ppath)
	if !strings.Contains(body, "stays within the thresholds") || !strings.Contains(body, "Release the hold") {
		t.Fatalf("the page does not offer to release a hold without trips:\n%.3000s", body)
	}
	if code, _ := c.post(ppath, ppath+"release", url.Values{"run": {"3"}, "reviewed": {"yes"}}); code != http.StatusSeeOther {
		t.Fatalf("release: %d", code)
	}
	if r, err := f.held.Run(ctx); r.Status != pipeline.StatusSucceeded {
		t.Fatalf("run after the release: %s %v", r.Status, err)
	}
}

func TestTriggerRequestsARun(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.client()
	ppath := pipelinePath(heldName)
	code, loc := c.post(ppath, ppath+"trigger", url.Values{})
	if code != http.StatusSeeOther || !strings.Contains(loc, "done=requested") {
		t.Fatalf("trigger: %d %s", code, loc)
	}
	// The request is in the store, for whichever process runs the pipeline.
	next, err := f.held.NextRun(ctx)
	if err != nil {
		t.Fatal(err)
	}
	runs, _ := f.held.Ledger().Runs(ctx, 1)
	if next.After(runs[0].Ended.Add(1e9 * 60)) {
		t.Fatalf("next run %s, want now after a request", next)
	}
	_, body := c.follow(loc)
	if !strings.Contains(body, "A run was requested") {
		t.Errorf("the page does not confirm the request")
	}
}

func TestAuditTrailFiltersAndSearches(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.client()
	qpath := pipelinePath(waitingName) + "questions"
	keys := c.questionKeys(qpath)
	c.post(qpath, qpath, url.Values{"run": {"1"}, "bulk": {"approve"}, "sel": keys})
	if r, err := f.waiting.Run(ctx); r.Status != pipeline.StatusSucceeded {
		t.Fatalf("run: %s %v", r.Status, err)
	}
	audit := pipelinePath(waitingName) + "runs/2/audit"
	tests := []struct {
		query   string
		matched int
		has     string
	}{
		{"", 247, "What became of each action"},
		{"?status=applied&kind=person", 124, ""},
		{"?status=not-executed", 1, "Deniz"}, // an approved import, and no importer
		{"?status=failed", 0, "No result matches the filter."},
		{"?q=elev042", 1, "Elev042, Kim"},
		{"?kind=membership&q=S-010", 1, "S-010 → G-7a"},
		{"?q=Hemlig", 1, "Hemlig, Hanna"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			code, body := c.get(audit + tt.query)
			if code != http.StatusOK {
				t.Fatalf("%d:\n%.500s", code, body)
			}
			if got := matchedOn(t, body); got != tt.matched {
				t.Errorf("matched %d, want %d", got, tt.matched)
			}
			if !strings.Contains(body, tt.has) {
				t.Errorf("page lacks %q", tt.has)
			}
		})
	}
}

func TestLanguageFromChooserCookieAndAcceptLanguage(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		accept string
		query  string
		want   string
	}{
		{"", "", "Pipelines"},
		{"sv-SE,sv;q=0.9,en;q=0.5", "", "Flöden"},
		{"de-AT", "", "Synchronisationen"},
		{"nn-NO", "", "Flyter"},
		{"no", "", "Flyter"},
		{"fr-FR", "", "Pipelines"},
		{"de", "?lang=sv", "Flöden"},
		{strings.Repeat("x", 2000), "", "Pipelines"},
	}
	for _, tt := range tests {
		t.Run(tt.accept+tt.query, func(t *testing.T) {
			c := f.client()
			code, body := c.do(http.MethodGet, "/"+tt.query, nil, http.Header{"Accept-Language": {tt.accept}})
			if code != http.StatusOK || !strings.Contains(body, "<h1>"+tt.want+"</h1>") {
				t.Fatalf("%d, want a page titled %q:\n%.800s", code, tt.want, body)
			}
		})
	}
	// The chooser's choice is remembered over the browser's.
	c := f.client()
	c.get("/?lang=nb")
	if _, body := c.do(http.MethodGet, "/", nil, http.Header{"Accept-Language": {"de"}}); !strings.Contains(body, `<html lang="nb">`) {
		t.Errorf("the chosen language was not remembered")
	}
}

func TestPagesCarrySecurityHeaders(t *testing.T) {
	f := newFixture(t)
	resp, err := http.Get(f.path("/"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for h, want := range map[string]string{
		"Content-Security-Policy": "script-src 'self'",
		"Cache-Control":           "no-store",
		"X-Content-Type-Options":  "nosniff",
	} {
		if got := resp.Header.Get(h); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q in it", h, got, want)
		}
	}
	for _, ck := range resp.Cookies() {
		if !ck.HttpOnly || ck.SameSite == http.SameSiteNoneMode || ck.Path != "/admin/sync/" {
			t.Errorf("cookie %s: %+v", ck.Name, ck)
		}
	}
}

func TestBasePathFromAForgedRequestURIIsIgnored(t *testing.T) {
	f := newFixture(t)
	req, _ := http.NewRequest(http.MethodGet, "http://x/", nil)
	req.RequestURI = "//evil.example/"
	req.URL.Path = "/"
	w := &recorder{header: http.Header{}}
	f.h.ServeHTTP(w, req)
	if strings.Contains(w.body.String(), "evil.example") {
		t.Fatalf("a crafted request URI reached the links")
	}
}

type recorder struct {
	header http.Header
	code   int
	body   strings.Builder
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(code int)        { r.code = code }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
