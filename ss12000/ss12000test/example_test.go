package ss12000test_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000test"
)

// Reading every class of the sample school page by page with plain net/http, the way SS 12000
// paging works: filters on the first request, then only pageToken (and limit).
func Example() {
	srv := ss12000test.NewServer(ss12000test.WithDataset(ss12000test.SampleSchool()))
	defer srv.Close()

	q := url.Values{"groupType": {"Klass"}, "limit": {"4"}, "sortkey": {"DisplayNameAsc"}}
	for {
		req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/groups?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+srv.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		var page ss12000.GroupsExpanded
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, g := range page.Data {
			fmt.Printf("%s: %d students\n", g.DisplayName, len(g.GroupMemberships))
		}
		if page.PageToken == "" {
			break
		}
		q = url.Values{"pageToken": {page.PageToken}, "limit": {"4"}}
	}
	// Output:
	// 7A: 16 students
	// 7B: 16 students
	// 8A: 16 students
	// 8B: 16 students
	// 9A: 16 students
	// 9B: 16 students
	// NA25: 16 students
	// SA23: 16 students
	// TE24: 16 students
}

// A test changes data as the school's system would and sees the change in a delta read.
func ExampleUpsert() {
	srv := ss12000test.NewServer(ss12000test.WithDataset(ss12000test.SampleSchool()))
	defer srv.Close()

	before := ss12000test.All[ss12000.Person](srv)[0]
	after, _ := ss12000test.Modify(srv, before.ID, func(p *ss12000.Person) { p.FamilyName = "Öberg-Lind" })
	fmt.Println(after.FamilyName, after.Meta.Modified.After(before.Meta.Modified), after.Meta.Created.Equal(before.Meta.Created))
	// Output: Öberg-Lind true true
}
