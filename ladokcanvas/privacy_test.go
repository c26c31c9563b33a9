package ladokcanvas_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladokfeed"
	"github.com/edusync/edusync/ladokcanvas"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
)

// TestPrivacy runs a term with personal numbers as login ids and everything logged at Debug,
// and checks that no personal number reaches the log or a dead letter, and that students with
// protected personal data do not have their number as login id in Canvas.
func TestPrivacy(t *testing.T) {
	sc := termScenario(3, size(600, 2000))
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
	ad, err := ladokcanvas.New(context.Background(), lc, cc, st, termConfig(), ladokcanvas.WithLogger(logger), ladokcanvas.WithClock(tr.clock.Now),
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

// TestProtectedTakesBackEmail: when a student's personal data becomes protected, the e-mail
// addresses the adapter wrote from Ladok leave Canvas (at creation and later), while an address
// the student added themselves stays; also when the adapter that wrote them is not the one
// that learns of the protection (a new process over the same store, or a store without that
// knowledge, which asks Ladok which address is theirs).
func TestProtectedTakesBackEmail(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fresh bool // the protection handled with a store that knows nothing of the user
	}{{"same store", false}, {"empty store", true}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ladokcanvas.DefaultConfig()
			cfg.UpdateEmailFromLadok = true
			e := newEnv(t, cfg, nil)
			e.addStudent("stu-bo", "Bo", "Berg", "199202022381", "bo@student.example.se")
			e.feed(registrering("stu-anna", "off-prog1"), registrering("stu-bo", "off-prog1"))
			e.addStudent("stu-bo", "Bo", "Berg", "199202022381", "bo.ny@student.example.se")
			e.feed(
				&ladok.KontaktuppgifterEvent{Handelsetyp: ladok.HandelsetypUppdaterad, StudentUID: "stu-bo", Epostadress: "bo.ny@student.example.se"})
			yes := true
			for _, uid := range []string{"stu-anna", "stu-bo"} {
				if _, err := e.cc.CreateCommunicationChannel(t.Context(), canvas.SISUser(uid),
					canvas.ChannelInput{Type: "email", Address: uid + "@privat.example.com", SkipConfirmation: &yes}, true); err != nil {
					t.Fatal(err)
				}
			}
			if tc.fresh {
				e.st = store.NewMemory()
				e.open()
			} else {
				e.open() // a new process over the same store
			}
			e.feed(&ladok.SkyddadePersonuppgifterEvent{Handelsetyp: ladok.HandelsetypSkapad, StudentUID: "stu-anna"},
				&ladok.SkyddadePersonuppgifterEvent{Handelsetyp: ladok.HandelsetypSkapad, StudentUID: "stu-bo"})
			want := map[string][]string{
				"stu-anna": {"stu-anna@privat.example.com"},
				"stu-bo":   {"stu-bo@privat.example.com"},
			}
			if tc.fresh {
				// Without the store's record only the address Ladok has now is known to be
				// Ladok's: Bo's first one, replaced in Ladok since, cannot be told from his own.
				want["stu-bo"] = []string{"bo@student.example.se", "stu-bo@privat.example.com"}
			}
			for uid, addrs := range want {
				var got []string
				for ch, err := range e.cc.ListCommunicationChannels(t.Context(), canvas.SISUser(uid)) {
					if err != nil {
						t.Fatal(err)
					}
					if ch.Type == "email" {
						got = append(got, ch.Address)
					}
				}
				slices.Sort(got)
				same(t, uid+"'s e-mail channels", got, addrs)
			}
			// A repeat of the event changes nothing more.
			before := len(e.cv.Writes())
			e.feed(&ladok.SkyddadePersonuppgifterEvent{Handelsetyp: ladok.HandelsetypSkapad, StudentUID: "stu-anna"})
			if n := len(e.cv.Writes()) - before; n != 0 {
				t.Errorf("%d writes for a repeated protection", n)
			}
		})
	}
}

// TestPersonalNumbersInUIDs: a feed whose StudentUID and HandelseUID are personal numbers (a
// hostile or broken Ladok) gets none of them into the adapter's log or its dead letters.
func TestPersonalNumbersInUIDs(t *testing.T) {
	const pnr = "199001011239"
	e := newEnv(t, ladokcanvas.DefaultConfig(), nil)
	e.addStudent(pnr, "Anna", "Andersson", pnr, "")
	e.feed(registrering(pnr, "off-prog1"),
		&ladok.RegistreringEvent{Header: ladok.Header{HandelseUID: pnr}, RegistreringBas: ladok.RegistreringBas{StudentUID: pnr, KurstillfalleUID: "no-such-offering"}})
	if got := e.enrolments(pnr, "off-prog1"); len(got) != 1 {
		t.Errorf("enrolments %v: the student was not enrolled", got)
	}
	dl, err := e.ad.DeadLetters(t.Context())
	if err != nil || len(dl) != 1 {
		t.Fatalf("dead letters %+v, %v: want the event of the unknown offering", dl, err)
	}
	text := e.logs.String() + dl[0].Item + " " + dl[0].Reason
	if !strings.Contains(text, "ladokcanvas: user created") {
		t.Fatal("the creation was not logged")
	}
	for _, form := range []string{pnr, pnr[2:], pnr[:8] + "-" + pnr[8:]} {
		if strings.Contains(text, form) {
			t.Errorf("personal number %s in the log or a dead letter", form)
		}
	}
}
