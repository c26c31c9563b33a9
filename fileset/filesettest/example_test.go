package filesettest_test

import (
	"fmt"

	"github.com/edusync/edusync/fileset/filesettest"
)

// ChangedLines tells which lines of which files differ between two sets, as the formats'
// tests check that one changed person changes one row.
func ExampleChangedLines() {
	before := map[string]string{"users.csv": "id,name\r\np-1,Åsa Björk\r\np-2,Noah Lind\r\n"}
	after := map[string]string{"users.csv": "id,name\r\np-1,Åsa Lindqvist\r\np-2,Noah Lind\r\n"}
	fmt.Println(filesettest.ChangedLines(before, after))
	fmt.Println(len(filesettest.School().Persons), "persons in the fixture school")
	// Output:
	// map[users.csv:1]
	// 4 persons in the fixture school
}
