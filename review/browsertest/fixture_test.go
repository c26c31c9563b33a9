package browsertest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/pipeline"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
	"github.com/edusync/edusync/review"
	"github.com/edusync/edusync/store/sqlite"
)

// hostile is what a hostile source puts in every field: markup, a script, an event handler
// and a javascript: URL. If any of it ran, window.__xss would be set or a dialog would open.
const hostile = `<script>window.__xss=1</script>"><img src=x onerror="window.__xss=1;alert(1)">'javascript:alert(1)`

// site is a host's admin system with the review page mounted below /admin/sync/, over two
// pipelines kept in SQLite whose Start loops run in the background: "kommun-x/elever", whose
// first run waits for three answers (two uncertain matches, one of them a person with
// protected identity, and an import offer), and "kommun-x/larare", held by a safety hold.
type site struct {
	url     string
	waiting *pipeline.Pipeline
	held    *pipeline.Pipeline
}

const (
	waitingName = "kommun-x/elever"
	heldName    = "kommun-x/larare"
)

func newSite(t *testing.T) *site {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	born := reconcile.NewDate(2012, 3, 4)
	src := &reconcile.Snapshot{
		Groups: []reconcile.Group{{Keys: reconcile.Keys{SourceKey: "G-7a"}, Name: "7a", Type: "Klasse"}},
		Persons: []reconcile.Person{
			{Keys: reconcile.Keys{SourceKey: "S-berg"}, FamilyName: "Berg", GivenNames: "Eva", BirthDate: born, Emails: []string{"eva@skola.example"}},
			{Keys: reconcile.Keys{SourceKey: "S-hidden"}, FamilyName: "Hemlig", GivenNames: "Hanna", BirthDate: born,
				BirthPlace: "Hemliga staden", Protected: true},
			{Keys: reconcile.Keys{SourceKey: "S-evil" + hostile}, FamilyName: hostile, GivenNames: hostile + " 900101-1234",
				BirthPlace: hostile, Emails: []string{hostile}, Attributes: map[string]string{hostile: hostile}},
		},
	}
	for i := range 60 {
		key := fmt.Sprintf("S-%03d", i)
		src.Persons = append(src.Persons, reconcile.Person{Keys: reconcile.Keys{SourceKey: key},
			FamilyName: fmt.Sprintf("Elev%03d", i), GivenNames: "Kim", BirthDate: reconcile.NewDate(2012, 1, 1+i%28)})
		src.Memberships = append(src.Memberships, reconcile.Membership{Person: key, Group: "G-7a", Role: "Lern"})
	}
	tgt := reconciletest.NewTarget(&reconcile.Snapshot{Persons: []reconcile.Person{
		{Keys: reconcile.Keys{TargetID: "t-berg"}, FamilyName: "Berg", GivenNames: "Eva", BirthDate: born},
		{Keys: reconcile.Keys{TargetID: "t-hidden"}, FamilyName: "Hemlig", GivenNames: "Hanna", BirthDate: born, Protected: true},
		{Keys: reconcile.Keys{TargetID: "t-evil" + hostile}, FamilyName: "Yılmaz" + hostile, GivenNames: "Deniz"},
	}})
	opts := []pipeline.Option{pipeline.WithInterval(24 * time.Hour), pipeline.WithPoll(200 * time.Millisecond)}
	s := &site{}
	s.waiting, err = pipeline.New(waitingName, src.AsSource(), tgt, st,
		append(opts, pipeline.WithOptions(reconcile.Options{IncludeProtected: true}))...)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := s.waiting.Run(ctx); r.Status != pipeline.StatusWaiting {
		t.Fatalf("first run: %s", r.Status)
	}
	staff := &reconcile.Snapshot{}
	for i := range 30 {
		staff.Persons = append(staff.Persons, reconcile.Person{Keys: reconcile.Keys{SourceKey: fmt.Sprint("L-", i)},
			FamilyName: fmt.Sprint("Lärare", i), GivenNames: "Alex"})
	}
	all := staff.Persons
	s.held, err = pipeline.New(heldName, staff.AsSource(), reconciletest.NewTarget(nil), st,
		append(opts, pipeline.WithOptions(reconcile.Options{Removals: reconcile.Removals{Enabled: true, GraceDays: 30}}))...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.held.Run(ctx); err != nil {
		t.Fatal(err)
	}
	staff.Persons = all[:12] // most staff gone from the export: held
	if r, _ := s.held.Run(ctx); r.Status != pipeline.StatusHeld {
		t.Fatalf("the held pipeline's second run: %s", r.Status)
	}

	done := make(chan struct{}, 2)
	for _, p := range []*pipeline.Pipeline{s.waiting, s.held} {
		go func() {
			if err := p.Start(ctx); err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("Start %s: %v", p.Name(), err)
			}
			done <- struct{}{}
		}()
	}
	// The reviewer may do everything but see persons with protected identity in full.
	page, err := review.New(st, func(r *http.Request, act review.Action, name string) (string, bool) {
		who := r.Header.Get("X-User")
		return who, who != "" && act != review.ActionViewProtected
	}, review.WithPipelines(s.waiting, s.held), review.WithLocation(time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/admin/sync/", http.StripPrefix("/admin/sync", login(page)))
	srv := httptest.NewServer(mux)
	s.url = srv.URL + "/admin/sync"
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
		<-done
		st.Close()
	})
	return s
}

// login is the host's authentication: here everyone is Anna Admin.
func login(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("X-User", "Anna Admin")
		next.ServeHTTP(w, r)
	})
}

func pipelineURL(s *site, name string) string {
	return s.url + "/p/" + strings.ReplaceAll(name, "/", "%2F") + "/"
}
