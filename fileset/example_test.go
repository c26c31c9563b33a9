package fileset_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/edusync/edusync/fileset"
)

// The two dialects quote the same row as their formats ask.
func ExampleDialect() {
	row := []string{"p-1", "Åsa Öberg", `say "hej"`}
	fmt.Printf("%q\n", fileset.RFC4180.AppendRow(nil, row))
	fmt.Printf("%q\n", fileset.Apple.AppendRow(nil, row))
	// Output:
	// "p-1,Åsa Öberg,\"say \"\"hej\"\"\"\r\n"
	// "p-1,\"Åsa Öberg\",\"say \\\"hej\\\"\"\n"
}

// A set written, checked against its Spec and switched to; a set that breaks a rule is
// refused and the current one stays.
func ExampleSetWriter() {
	root, _ := os.MkdirTemp("", "fileset-example")
	defer os.RemoveAll(root)
	dir, err := fileset.OpenDir(root, 1)
	if err != nil {
		log.Fatal(err)
	}
	spec := &fileset.Spec{Name: "users.csv", Unique: [][]string{{"id"}},
		Columns: []fileset.Column{{Name: "id", Required: true}, {Name: "role", Values: []string{"student", "teacher"}}}}
	write := func(rows ...[]string) error {
		stage, err := dir.Stage()
		if err != nil {
			return err
		}
		w := fileset.NewSetWriter(stage, "example", fileset.RFC4180, spec)
		fw, err := w.Create(spec)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := fw.Row(r[0], r...); err != nil {
				return err
			}
		}
		if err := fw.Close(); err != nil {
			return err
		}
		if err := w.Err(); err != nil {
			stage.Abort()
			return err
		}
		_, err = stage.Commit()
		return err
	}
	fmt.Println(write([]string{"p-1", "student"}))
	fmt.Println(write([]string{"p-1", "student"}, []string{"p-1", "janitor"}))
	b, _ := os.ReadFile(filepath.Join(dir.CurrentPath(), "users.csv"))
	fmt.Printf("%q\n", b)
	// Output:
	// <nil>
	// fileset: the example set breaks its format's rules in 2 places, nothing was delivered; users.csv line 3 (p-1) role: not one of student, teacher; users.csv line 3 (p-1) id: must be unique in the file; an earlier row has the same
	// "id,role\r\np-1,student\r\n"
}
