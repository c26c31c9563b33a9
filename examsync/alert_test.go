package examsync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/examsync"
	"github.com/edusync/edusync/notify"
	"github.com/edusync/edusync/notify/notifytest"
	"github.com/edusync/edusync/store"
)

// A licence without WISEflow's reassessment module refuses every reassessment: each appeal is
// a dead letter at once (retrying cannot help), with an alert, unless the institution has
// blacklisted the kind; once the module is bought, an operator's retry runs them.
func TestAMissingReassessmentModuleIsReportedAndRetriedOnDemand(t *testing.T) {
	for _, blacklisted := range []bool{false, true} {
		t.Run(map[bool]string{false: "alerted", true: "blacklisted"}[blacklisted], func(t *testing.T) {
			pop, err := tinyUniversity(5)
			if err != nil {
				t.Fatal(err)
			}
			w := newWorld(t, pop)
			w.wf.SetReassessmentModule(false)
			chat := notifytest.NewChatReceiver()
			defer chat.Close()
			opts := []notify.Option{notify.WithChatWebhook(chat.URL()), notify.WithRetryBase(time.Millisecond)}
			if blacklisted {
				opts = append(opts, notify.WithBlacklist(w.org, "wiseflow-module-missing"))
			}
			n, err := notify.New(opts...)
			if err != nil {
				t.Fatal(err)
			}
			st := store.NewMemory()
			defer st.Close()
			s := newSync(t, w, st, func(c *examsync.Config) { c.Notifier = n })
			w.serve(t, s)
			settle(t, w, s)
			ctx := context.Background()
			failed := false
			recs, err := s.Audit(ctx, w.org, examsync.AuditQuery{Submodule: "wiseflow-appeal", Step: "open-reassessment", Success: &failed})
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) == 0 {
				t.Fatal("no reassessment was refused")
			}
			for _, r := range recs {
				if !r.Dead || r.ErrorCode != 403 || r.Attempt != 1 || r.FlowID == 0 || r.VurdID == "" || r.Kandidatnr == "" {
					t.Errorf("audit record %+v: want a dead letter at the first attempt with the 403 and the case", r)
				}
			}
			dead, err := s.DeadLetters(ctx, w.org)
			if err != nil || len(dead) != len(recs) {
				t.Fatalf("dead letters %d (%v), want %d", len(dead), err, len(recs))
			}
			msgs := chat.Messages()
			if blacklisted && len(msgs) != 0 {
				t.Errorf("%d alerts of a blacklisted kind reached the chat", len(msgs))
			}
			if !blacklisted {
				if len(msgs) != len(recs) {
					t.Fatalf("%d alerts for %d dead letters", len(msgs), len(recs))
				}
				m := msgs[0]
				if !strings.Contains(m.Text, "examsync/wiseflow-appeal failed for uni ("+w.org+"): wiseflow-module-missing") {
					t.Errorf("alert: %s", m.Text)
				}
				have := map[string]bool{}
				for _, f := range m.Attachments[0].Fields {
					have[f.Title] = f.Value != ""
				}
				for _, f := range []string{"module", "submodule", "orgShortName", "orgId", "examSystem", "instance", "vurdId", "fetchFsListDates", "flowId"} {
					if !have[f] {
						t.Errorf("the alert lacks %s: %+v", f, m.Attachments[0].Fields)
					}
				}
			}
			// The module is bought; the operator retries the dead letters.
			w.wf.SetReassessmentModule(true)
			for _, d := range dead {
				if err := s.Retry(ctx, d); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			ok := true
			done, _ := s.Audit(ctx, w.org, examsync.AuditQuery{Submodule: "wiseflow-appeal", Step: "open-reassessment", Success: &ok})
			if len(done) < len(recs) {
				t.Errorf("%d reassessments after the retry, want %d", len(done), len(recs))
			}
			if d, _ := s.DeadLetters(ctx, w.org); len(d) != 0 {
				t.Errorf("%d dead letters after the retry", len(d))
			}
			assertNoPersonalData(t, w, s, bytes.Join(chat.Bodies(), nil))
		})
	}
}

// assertNoPersonalData checks that the audit and the alerts hold no personlopenr, user name,
// name or identity number of any candidate.
func assertNoPersonalData(t *testing.T, w *world, s *examsync.Sync, alerts []byte) {
	t.Helper()
	recs, err := s.Audit(context.Background(), w.org, examsync.AuditQuery{Limit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	audit, _ := json.Marshal(recs)
	text := string(audit) + string(alerts)
	if strings.Contains(strings.ToLower(text), "personlopenr\":") {
		t.Error("the audit has a personlopenr field")
	}
	var words []string
	for _, a := range w.fs.Appeals() {
		words = append(words, string(a.Personlopenr), a.Brukernavn)
	}
	for _, r := range w.fs.ExplanationRequests() {
		words = append(words, string(r.Personlopenr), r.Brukernavn)
	}
	for _, p := range w.pop.Persons {
		if p.CivicNo != "" {
			words = append(words, p.CivicNo)
		}
	}
	tokens := map[string]bool{}
	for _, tok := range regexp.MustCompile(`[0-9A-Za-z._-]+`).FindAllString(text, -1) {
		tokens[tok] = true
	}
	for _, wd := range words {
		if len(wd) >= 4 && tokens[wd] {
			t.Errorf("the audit or an alert holds personal data (%d characters)", len(wd))
			return
		}
	}
}
