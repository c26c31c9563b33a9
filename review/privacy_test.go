package review_test

import (
	"context"
	"github.com/edusync/edusync/pipeline"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/edusync/edusync/review"
)

// personalNumber finds anything shaped like an identity number, written independently of the
// page's own masking: 10 to 12 digits in a row, Swedish numbers with a separator, Norwegian
// ones with a space or dash, German tax ids in groups.
var personalNumber = regexp.MustCompile(`(^|[^0-9])([0-9]{10,12}|[0-9]{6}([0-9]{2})?[-+ ./_][0-9]{4}|[0-9]{6}[ -][0-9]{5}|[0-9]{2} [0-9]{3} [0-9]{3} [0-9]{3})([^0-9]|$)`)

// tokenValue is the CSRF token, which is not personal and may hold digit runs by chance.
var tokenValue = regexp.MustCompile(`name="csrf" value="[^"]*"`)

// fingerprints are the plan fingerprints the pages show (16 hex digits, which may hold a run of
// ten digits by chance), exactly as shown, so that only they are left out of the check.
func fingerprints(t *testing.T, pipes ...*pipeline.Pipeline) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	for _, p := range pipes {
		runs, err := p.Ledger().Runs(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range runs {
			if plan, err := p.Ledger().Plan(ctx, r.ID); err == nil && plan != nil && len(plan.Fingerprint) >= 16 {
				out = append(out, "<code>"+plan.Fingerprint[:16]+"</code>")
			}
		}
	}
	return out
}

// everyPage reads every page the fixture's page shows, after a run has applied a plan (so
// there is an audit trail): overview, pipelines, every page of every plan, questions, audit
// trails, searches with numbers, and error pages with numbers in the path.
func everyPage(t *testing.T, f *fixture, c *client) map[string]string {
	t.Helper()
	ctx := context.Background()
	if _, err := f.held.Run(ctx); err == nil { // a third, still held run
		t.Fatal("the held pipeline ran")
	}
	if err := f.held.Ledger().Release(ctx, 3, "Anna Admin "+numbers[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := f.held.Run(ctx); err != nil {
		t.Fatal(err)
	}
	w, h := pipelinePath(waitingName), pipelinePath(heldName)
	paths := []string{"/", w, h, w + "questions", w + "questions?state=open&size=200", h + "runs/4/audit", h + "runs/4/audit?size=200",
		w + "runs/1/?q=" + url.QueryEscape(numbers[0]), w + "runs/1/?q=" + url.QueryEscape(numbers[4]),
		h + "runs/4/audit?q=" + url.QueryEscape(numbers[1]), "/p/" + numbers[0] + "/", "/p/x/runs/" + numbers[0] + "/"}
	for page := 1; page <= 2; page++ {
		paths = append(paths, w+"runs/1/?size=200&page="+string(rune('0'+page)))
	}
	out := map[string]string{}
	for _, p := range paths {
		_, body := c.get(p)
		out[p] = body
	}
	return out
}

func TestNoPersonalNumberReachesAnyPage(t *testing.T) {
	for _, who := range []struct {
		name string
		acts []review.Action
	}{{"viewer", []review.Action{review.ActionView}}, {"may see protected", everything}} {
		t.Run(who.name, func(t *testing.T) {
			f := newFixture(t)
			f.perms.set("Anna Admin", who.acts...)
			c := f.client()
			pages := everyPage(t, f, c)
			shown := fingerprints(t, f.waiting, f.held)
			if len(shown) == 0 {
				t.Fatal("no run has a plan fingerprint to leave out")
			}
			for p, body := range pages {
				body = tokenValue.ReplaceAllString(body, "")
				for _, fp := range shown {
					body = strings.ReplaceAll(body, fp, "")
				}
				if m := personalNumber.FindString(body); m != "" {
					i := strings.Index(body, m)
					t.Errorf("%s shows %q: ...%s...", p, m, body[max(0, i-200):min(len(body), i+100)])
				}
			}
		})
	}
}

func TestRecordMarkupIsEscapedEverywhere(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	seen := 0
	for p, body := range everyPage(t, f, c) {
		for _, raw := range []string{"<script>window", "<img src=x", `onerror="window`} {
			if strings.Contains(body, raw) {
				t.Errorf("%s holds the record's markup unescaped: %s", p, raw)
			}
		}
		seen += strings.Count(body, "&lt;script&gt;window.__xss=1&lt;/script&gt;")
	}
	if seen == 0 {
		t.Fatal("no page shows the hostile record, escaped or not")
	}
}

func TestProtectedPersonsAreReducedUnlessTheCheckAllowsMore(t *testing.T) {
	hidden := []string{"hanna@secret.example", "hanna.old@secret.example", "Hemliga staden", "Gömda gatan", "S-hidden", "t-hidden"}
	tests := []struct {
		name    string
		acts    []review.Action
		reduced bool
	}{
		{"viewer", []review.Action{review.ActionView, review.ActionAnswer}, true},
		{"may see protected", everything, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.perms.set("Anna Admin", tt.acts...)
			c := f.client()
			w := pipelinePath(waitingName)
			pages := []struct {
				path   string
				hidden []string
			}{
				{w + "runs/1/?q=hemlig", hidden},
				{w + "questions", hidden},
				{w + "runs/1/?kind=membership&size=200&page=1", []string{"S-hidden"}}, // the pupil's class
			}
			for _, p := range pages {
				code, body := c.get(p.path)
				if code != http.StatusOK {
					t.Fatalf("GET %s: %d", p.path, code)
				}
				if !strings.Contains(body, "Hemlig, Hanna") && !strings.Contains(p.path, "membership") {
					t.Errorf("%s does not name the protected person at all", p.path)
				}
				for _, s := range p.hidden {
					if got := strings.Contains(body, s); got == tt.reduced {
						t.Errorf("%s: shows %q: %v, want %v", p.path, s, got, !tt.reduced)
					}
				}
				if got := strings.Contains(body, "protected identity"); got != tt.reduced {
					t.Errorf("%s: marked reduced: %v, want %v", p.path, got, tt.reduced)
				}
			}
		})
	}
}
