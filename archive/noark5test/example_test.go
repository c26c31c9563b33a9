package noark5test_test

import (
	"context"
	"fmt"

	"github.com/edusync/edusync/archive/noark5"
	"github.com/edusync/edusync/archive/noark5test"
)

// A fake archive, a case file filed through the client, and what the archive holds.
func Example() {
	srv := noark5test.NewServer()
	defer srv.Close()
	c, _ := srv.Client()
	ctx := context.Background()
	part, _ := c.FindArkivdel(ctx, noark5test.DefaultSeries)
	_, err := c.CreateMappe(ctx, part.Links, &noark5.Mappe{Tittel: "Masteroppgaver INF5990 VÅR 2026",
		Skjerming: &noark5.Screening{Tilgangsrestriksjon: &noark5.Code{Kode: "13"}, Skjermingshjemmel: "Offl. § 13"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, cf := range srv.Archive() {
		fmt.Println(cf.Tittel, cf.Skjerming.Tilgangsrestriksjon.Kode)
	}
	// Output: Masteroppgaver INF5990 VÅR 2026 13
}
