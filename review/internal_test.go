package review

import (
	"fmt"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/edusync/edusync/pipeline"
	"github.com/edusync/edusync/reconcile"
)

var verbRe = regexp.MustCompile(`%(\[\d+\])?[a-z%]`)

// verbs are a text's format verbs, in argument order.
func verbs(s string) []string {
	var out []string
	for _, v := range verbRe.FindAllString(s, -1) {
		if v != "%%" {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// usedKeys are the catalogue entries the templates and the code name, with every value of
// the entries built from data (status.*, kind.*, case.*, ...).
func usedKeys(t *testing.T) []string {
	t.Helper()
	keys := map[string]bool{}
	lit := regexp.MustCompile(`t "([a-zA-Z.-]+)"`)
	err := fs.WalkDir(files, "templates", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, _ := files.ReadFile(p)
		for _, m := range lit.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []*pageError{errNotFound, errForbidden, errCSRF, errBadInput, errNoWho, errStale, errNotHeld, errConfirm, errNoPlan, errTooLarge} {
		keys[e.msg] = true
	}
	for _, k := range []string{"error.title", "error.internal", "overview.title", "plan.title", "audit.title", "questions.title",
		"flash.answered", "flash.released", "flash.requested", "hold.max", "hold.percent", "hold.percentMax", "filter.any", "kind.all"} {
		keys[k] = true
	}
	add := func(prefix string, values ...string) {
		for _, v := range values {
			keys[prefix+v] = true
		}
	}
	for _, s := range []pipeline.Status{pipeline.StatusRunning, pipeline.StatusSucceeded, pipeline.StatusWaiting, pipeline.StatusHeld, pipeline.StatusFailed, pipeline.StatusInterrupted} {
		add("status.", string(s))
	}
	add("trigger.", string(pipeline.TriggerCall), string(pipeline.TriggerSchedule), string(pipeline.TriggerDemand))
	for _, k := range reconcile.Kinds {
		add("kind.", string(k))
	}
	for _, op := range allOps {
		add("op.", string(op))
	}
	add("confirm.", confirmStates...)
	for _, s := range allStatuses {
		add("result.", string(s))
	}
	add("verdict.", "approve", "reject")
	add("questions.state.", "any", "open", "answered")
	for f := range knownFields {
		add("field.", f)
	}
	for c := 1; c <= 6; c++ {
		add("case.person.", fmt.Sprint(c))
	}
	for c := 1; c <= 4; c++ {
		add("case.group.", fmt.Sprint(c))
		add("case.organisation.", fmt.Sprint(c))
	}
	return slices.Sorted(maps.Keys(keys))
}

func TestCatalogueComplete(t *testing.T) {
	en := catalogue["en"]
	for _, l := range languages {
		texts, ok := catalogue[l.code]
		if !ok {
			t.Errorf("no catalogue for %s", l.code)
			continue
		}
		for k, s := range en {
			got, ok := texts[k]
			switch {
			case !ok || strings.TrimSpace(got) == "":
				t.Errorf("%s lacks %s", l.code, k)
			case !slices.Equal(verbs(got), verbs(s)):
				t.Errorf("%s %s: format verbs %v, English has %v", l.code, k, verbs(got), verbs(s))
			}
		}
		for k := range texts {
			if _, ok := en[k]; !ok {
				t.Errorf("%s has %s, which English lacks", l.code, k)
			}
		}
	}
	// A button's accessible name holds its visible text (WCAG 2.5.3, axe's
	// label-content-name-mismatch): "Approve" is announced as "Approve: Berg, Eva".
	for lang, texts := range catalogue {
		for _, k := range []string{"questions.approve", "questions.reject", "questions.undo"} {
			if !strings.HasPrefix(texts[k+"One"], texts[k]+":") {
				t.Errorf("%s: %sOne %q does not start with the button's text %q", lang, k, texts[k+"One"], texts[k])
			}
		}
	}
	if len(catalogue) != len(languages) {
		t.Errorf("%d catalogues for %d languages", len(catalogue), len(languages))
	}
	for _, k := range usedKeys(t) {
		if _, ok := en[k]; !ok {
			t.Errorf("the page uses %s, which the catalogue lacks", k)
		}
	}
}

func TestMaskHidesEveryFormOfIdentityNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"199001011234", "[redacted]"},
		{"19900101-1234", "[redacted]"},
		{"900101-1234", "[redacted]"},
		{"900101+1234", "[redacted]"},
		{"900101 1234", "[redacted]"},
		{"19900101 1234", "[redacted]"},
		{"900101.1234", "[redacted]"},
		{"010190 12345", "[redacted]"},
		{"01019012345", "[redacted]"},
		{"12 345 678 901", "[redacted]"},
		{"Nils 900101 1234 Berg", "Nils [redacted] Berg"},
		{"2012-03-04", "2012-03-04"},
		{"2012-03-04 12:30", "2012-03-04 12:30"},
		{"skolenhet 12345678", "skolenhet 12345678"},
		{"rad\nbrytning", "rad brytning"},
		{strings.Repeat("a", 1000), strings.Repeat("a", maxValue) + "…"},
		{strings.Repeat("a", maxValue-5) + "199001011234", strings.Repeat("a", maxValue-5) + "[reda…"},
	}
	for _, tt := range tests {
		if got := mask(tt.in); got != tt.want {
			t.Errorf("mask(%.40q) = %.60q, want %.60q", tt.in, got, tt.want)
		}
	}
}

func FuzzMask(f *testing.F) {
	for _, s := range []string{"199001011234", "900101 1234", "a900101.12345b", "12 345 678 901", "x 010190-12345"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := mask(s)
		if m := digitsRe.FindString(got); m != "" {
			t.Fatalf("mask(%q) = %q leaves %q", s, got, m)
		}
		if len(got) > maxValue+len("…") {
			t.Fatalf("mask(%q) is %d bytes long", s, len(got))
		}
	})
}

var digitsRe = regexp.MustCompile(`(^|[^0-9])([0-9]{10,12}|[0-9]{6}([0-9]{2})?[-+ ./_][0-9]{4}|[0-9]{6}[ -][0-9]{5})([^0-9]|$)`)

func TestCacheKeepsRecentEntriesWithinItsRows(t *testing.T) {
	c := newCache(10)
	builds := 0
	get := func(key string, size int) {
		t.Helper()
		v, err := c.get(key, size, func() (any, error) { builds++; return key, nil })
		if err != nil || v != key {
			t.Fatalf("get %s: %v %v", key, v, err)
		}
	}
	get("a", 4)
	get("b", 4)
	get("a", 4) // a is the most recent now
	get("c", 4) // b goes
	if builds != 3 {
		t.Fatalf("%d builds, want 3", builds)
	}
	get("a", 4)
	if builds != 3 {
		t.Fatal("a was evicted although it was used last")
	}
	get("b", 4)
	if builds != 4 {
		t.Fatal("b was kept beyond the cache's rows")
	}
	if _, err := c.get("huge", 11, func() (any, error) { return nil, nil }); err != errTooBig {
		t.Fatalf("an entry larger than the cache: %v", err)
	}
	if _, err := c.get("bad", 1, func() (any, error) { return nil, fmt.Errorf("store failed") }); err == nil {
		t.Fatal("a failed build returned no error")
	}
	if _, ok := c.entries["bad"]; ok || c.used > c.max {
		t.Fatalf("after a failed build: kept %v, %d rows used of %d", ok, c.used, c.max)
	}
}
