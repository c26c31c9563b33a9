package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestReviewExample serves the example, answers the Schulconnex pipeline's questions, releases
// the SDS pipeline's hold, asks for runs and sees both apply.
func TestReviewExample(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"-addr", "127.0.0.1:0", "-dir", t.TempDir()}, io.Discard, func(u string) { ready <- u })
	}()
	var base string
	select {
	case base = <-ready:
	case err := <-errc:
		t.Fatal(err)
	case <-time.After(2 * time.Minute):
		t.Fatal("the example did not start")
	}
	defer func() {
		cancel()
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(p string) string {
		t.Helper()
		resp, err := c.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", p, resp.StatusCode)
		}
		return string(b)
	}
	post := func(p string, form url.Values, from string) string {
		t.Helper()
		form.Set("csrf", regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(get(from))[1])
		resp, err := c.PostForm(base+p, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: %d\n%.500s", p, resp.StatusCode, b)
		}
		return string(b)
	}
	waitFor := func(p, want string) {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(300 * time.Millisecond) {
			body := get(p)
			if strings.Contains(body, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never showed %q", p, want)
			}
		}
	}

	overview := get("")
	if !strings.Contains(overview, "questions: 3, answered: 0") || !strings.Contains(overview, "status-held") {
		t.Fatalf("the overview:\n%s", overview)
	}

	sc, sds := "p/schule-musterstadt%2Fschulconnex/", "p/exempelby%2Fsds/"
	keys := regexp.MustCompile(`name="approve" value="([a-z2-9]+)" aria-label="Approve: ([^"]+)"`).FindAllStringSubmatch(get(sc+"questions"), -1)
	if len(keys) != 3 {
		t.Fatalf("%d questions, want 3", len(keys))
	}
	form := url.Values{"run": {"1"}, "bulk": {"approve"}}
	for _, k := range keys {
		if !strings.HasPrefix(k[2], "Yılmaz") { // the teacher entered by hand stays out of the export
			form.Add("sel", k[1])
		}
	}
	post(sc+"questions", form, sc+"questions")
	var deniz string
	for _, k := range keys {
		if strings.HasPrefix(k[2], "Yılmaz") {
			deniz = k[1]
		}
	}
	post(sc+"questions", url.Values{"run": {"1"}, "reject": {deniz}}, sc+"questions")
	post(sc+"trigger", url.Values{}, sc)
	waitFor(sc, "Run 2</a></th>\n<td><span class=\"status status-succeeded\">")

	post(sds+"release", url.Values{"run": {"2"}, "reviewed": {"yes"}}, sds)
	post(sds+"trigger", url.Values{}, sds)
	waitFor(sds, "after the release of run 2 by Demo Admin")
	if body := get(sds); !regexp.MustCompile(`[1-9][0-9]* deactivated`).MatchString(body) {
		t.Errorf("the released run did not deactivate the pupils who left:\n%s", body)
	}
}
