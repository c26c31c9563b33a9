package noark5_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/edusync/edusync/archive/noark5"
)

// FuzzDiscover feeds hostile roots and collections to the client: it must end with an answer
// or an error, never panic or loop.
func FuzzDiscover(f *testing.F) {
	f.Add([]byte(`{"_links":{"https://rel.arkivverket.no/noark5/v5/api/arkivstruktur/":{"href":"/a/"}}}`), []byte(`{"results":[{"tittel":"Masteroppgaver","systemID":"x"}],"_links":{"next":{"href":"/a/d/"}}}`))
	f.Add([]byte(`{"_links":[{"rel":"https://rel.arkivverket.no/noark5/v5/api/arkivstruktur/","href":"/a/"}]}`), []byte(`{"results":[1,2]}`))
	f.Add([]byte(`[]`), []byte(`null`))
	f.Fuzz(func(t *testing.T, root, coll []byte) {
		mux := http.NewServeMux()
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", noark5.MediaType)
			switch r.URL.Path {
			case "/":
				_, _ = w.Write(root)
			case "/a/":
				_, _ = w.Write([]byte(`{"_links":{"https://rel.arkivverket.no/noark5/v5/api/arkivstruktur/arkivdel/":{"href":"/a/d/"}}}`))
			default:
				_, _ = w.Write(coll)
			}
		})
		srv := httptest.NewServer(mux)
		defer srv.Close()
		c, err := noark5.New(srv.URL, noark5.WithoutRetry())
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.FindArkivdel(context.Background(), "Masteroppgaver")
	})
}
