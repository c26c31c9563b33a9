package ladokfeed

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/edusync/edusync/ladok"
)

func TestLocate(t *testing.T) {
	// Document order, newest first: E5 A E4 E3 A E1 (the id A appears twice).
	page := &ladok.Feed{}
	for _, id := range []string{"E5", "A", "E4", "E3", "A", "E1"} {
		page.Entries = append(page.Entries, ladok.Entry{ID: id})
	}
	ids := func(idx []int) []string {
		var out []string
		for _, i := range idx {
			out = append(out, page.Entries[i].ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		pos  Position
		want []string
		ok   bool
	}{
		{"nothing handled", Position{}, []string{"E1", "A", "E3", "E4", "A", "E5"}, true},
		{"after the older A, by count", Position{Entry: "A", Handled: 2}, []string{"E3", "E4", "A", "E5"}, true},
		{"after the newer A, by count", Position{Entry: "A", Handled: 5}, []string{"E5"}, true},
		{"A with a wrong count: from the older A", Position{Entry: "A", Handled: 9}, []string{"E3", "E4", "A", "E5"}, true},
		{"by id", Position{Entry: "E3", Handled: 0}, []string{"E4", "A", "E5"}, true},
		{"all handled", Position{Entry: "E5", Handled: 6}, nil, true},
		{"by count only", Position{Handled: 4}, []string{"A", "E5"}, true},
		{"unknown id", Position{Entry: "X", Handled: 1}, nil, false},
		{"count beyond the page", Position{Handled: 7}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := locate(page, tc.pos)
			if ok != tc.ok {
				t.Fatalf("ok = %v", ok)
			}
			if diff := cmp.Diff(tc.want, ids(got), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
