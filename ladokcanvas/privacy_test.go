package ladokcanvas_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladokfeed"
	"github.com/edusync/edusync/ladokcanvas"
	"github.com/edusync/edusync/store/sqlite"
)

// TestPrivacy runs a term with personal numbers as login ids and everything logged at Debug,
// and checks that no personal number reaches the log or a dead letter, and that students with
// protected personal data do not have their number as login id in Canvas.
func TestPrivacy(t *testing.T) {
	sc := termScenario(3, 2000)
	// Some events that fail for good, with personal numbers in play.
	sc.events = append(sc.events, &ladok.StudentTillLarosateEvent{StudentUID: "", Personnummer: sc.students[0].Personnummer},
		registrering("no-such-student", offeringUID(3)))
	tr := newTermRun(t, sc, nil)
	logs := &logBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st, err := sqlite.Open(context.Background(), tr.path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lc, _ := tr.lad.Client(ladok.WithLogger(logger))
	cc, _ := canvas.New(tr.cv.URL(), canvas.WithBearerToken(tr.cv.Token()), canvas.WithLogger(logger))
	ad, err := ladokcanvas.New(lc, cc, st, termConfig(), ladokcanvas.WithLogger(logger), ladokcanvas.WithClock(tr.clock.Now),
		ladokcanvas.WithReaderOptions(ladokfeed.WithLogger(logger)))
	if err != nil {
		t.Fatal(err)
	}
	defer ad.Close()
	if _, err := ad.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	dl, _ := ad.DeadLetters(t.Context())
	if len(dl) != 2 {
		t.Errorf("%d dead letters, want 2", len(dl))
	}
	var text strings.Builder
	text.WriteString(logs.String())
	for _, d := range dl {
		text.WriteString(d.Reason + "\n")
	}
	out := text.String()
	if !strings.Contains(out, "ladokcanvas:") {
		t.Fatal("nothing was logged")
	}
	for _, s := range sc.students {
		p := s.Personnummer
		for _, form := range []string{p, p[2:], p[:8] + "-" + p[8:], p[2:8] + "-" + p[8:]} {
			if strings.Contains(out, form) {
				t.Fatalf("personal number of %s in the log", s.UID)
			}
		}
	}

	protected := map[string]bool{}
	for _, ev := range sc.events {
		if p, ok := ev.(*ladok.SkyddadePersonuppgifterEvent); ok {
			protected[p.StudentUID] = true
		}
	}
	pnr := map[string]string{}
	for _, s := range sc.students {
		pnr[s.UID] = s.Personnummer
	}
	checked := 0
	for _, u := range tr.cv.Snapshot().Users {
		if !protected[u.SISID] {
			continue
		}
		checked++
		for _, l := range u.Logins {
			if l == pnr[u.SISID] {
				t.Errorf("protected student %s has the personal number as login", u.SISID)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no protected student in the scenario")
	}
}
