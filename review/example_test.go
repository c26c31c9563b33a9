package review_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/edusync/edusync/pipeline"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
	"github.com/edusync/edusync/review"
	"github.com/edusync/edusync/store"
)

// A host mounts the page below its admin pages, behind its own login, and answers the page's
// authorisation check from its session. Here a pipeline's first run waits for an answer, and
// the questions page shows it.
func Example() {
	ctx := context.Background()
	st := store.NewMemory() // a host opens store/sqlite, the store its pipelines use
	defer st.Close()

	born := reconcile.NewDate(2012, 3, 4)
	source := &reconcile.Snapshot{Persons: []reconcile.Person{
		{Keys: reconcile.Keys{SourceKey: "S-1"}, FamilyName: "Berg", GivenNames: "Eva", BirthDate: born},
	}}
	target := reconciletest.NewTarget(&reconcile.Snapshot{Persons: []reconcile.Person{
		{Keys: reconcile.Keys{TargetID: "t-1"}, FamilyName: "Berg", GivenNames: "Eva", BirthDate: born},
	}})
	p, _ := pipeline.New("school-7/roster", source.AsSource(), target, st)
	r, _ := p.Run(ctx)
	fmt.Println("run", r.ID, r.Status)

	// The host's check: who is signed in, and what they may do (here: everything but seeing
	// persons with protected identity in full).
	check := func(r *http.Request, act review.Action, pipeline string) (string, bool) {
		user := r.Header.Get("X-Demo-User") // a real host reads its session
		return user, user != "" && act != review.ActionViewProtected
	}
	page, err := review.New(st, check, review.WithPipelines(p))
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("/admin/sync/", http.StripPrefix("/admin/sync", page))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/admin/sync/p/school-7%2Froster/questions", nil)
	req.Header.Set("X-Demo-User", "A. Svensson")
	req.Header.Set("Accept-Language", "sv-SE")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, strings.Contains(string(body), "Väntar på svar: 1"), strings.Contains(string(body), "Berg, Eva"))
	// Output:
	// run 1 waiting
	// 200 OK true true
}
