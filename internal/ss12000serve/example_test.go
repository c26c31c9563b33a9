package ss12000serve_test

import (
	"fmt"

	"github.com/edusync/edusync/internal/ss12000serve"
	"github.com/edusync/edusync/ss12000"
)

// A server filters a page of persons with the filter every edusync SS 12000 server shares.
func ExamplePersonFilter() {
	persons := []ss12000.Person{
		{ID: "1", GivenName: "Åsa", FamilyName: "Öberg"},
		{ID: "2", GivenName: "Nils", FamilyName: "Holm"},
	}
	match, msg := ss12000serve.PersonFilter(&ss12000.ListPersonsParams{NameContains: []string{"berg"}}, nil)
	if msg != "" {
		fmt.Println("400:", msg)
		return
	}
	for i := range persons {
		if match(&persons[i]) {
			fmt.Println(persons[i].ID, ss12000serve.PersonName(&persons[i]))
		}
	}
	// Output: 1 Åsa Öberg
}
