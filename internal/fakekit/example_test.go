package fakekit_test

import (
	"fmt"
	"net/http"

	"github.com/edusync/edusync/internal/fakekit"
)

// A fake on the kit: its error body, its operations, and faults switched on by a test.
func Example() {
	srv := fakekit.New(fakekit.Config{
		Name:     "bookstest",
		BasePath: "/v1",
		Error: func(w http.ResponseWriter, _ *http.Request, status int, code, message string) {
			fakekit.WriteJSON(w, status, map[string]string{"code": code, "message": message})
		},
	})
	srv.HandleFunc("listBooks", http.MethodGet, "/books", false, func(w http.ResponseWriter, _ *http.Request) {
		fakekit.WriteJSON(w, http.StatusOK, []string{"Nils Holgersson"})
	})
	srv.Start()
	defer srv.Close()

	srv.SetFaults(fakekit.Faults{Rules: []fakekit.Rule{{Operation: "listBooks", Status: 503, Times: 1}}})
	for range 2 {
		resp, err := http.Get(srv.URL() + "/books")
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	st := srv.Stats()
	fmt.Println(st.Requests["listBooks"], "requests,", st.Faults["listBooks"], "fault,", st.Answers[fakekit.Answer{Operation: "listBooks", Status: 200}], "answered")
	// Output:
	// 503
	// 200
	// 2 requests, 1 fault, 1 answered
}
