package schulconnexsync_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/internal/golden"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/schulconnex/schulconnexsync"
)

func d(s string) reconcile.Date {
	x, err := reconcile.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return x
}

func sampleSnapshot() *reconcile.Snapshot {
	return &reconcile.Snapshot{
		Persons: []reconcile.Person{
			{Keys: reconcile.Keys{SourceKey: "1001", TargetID: "a6e1a860"}, FamilyName: "von Müller-Lüdenscheidt", GivenNames: "Anna Maria",
				BirthDate: d("2013-05-01"), BirthPlace: "Eindhoven, Niederlande", Emails: []string{"anna@schule.example.de"},
				Contexts:   []reconcile.Context{{Organisation: school, Role: "Lern"}},
				Attributes: map[string]string{schulconnexsync.AttrGeschlecht: "w", schulconnexsync.AttrJahrgangsstufe: "07"}},
			{Keys: reconcile.Keys{SourceKey: "L-7"}, FamilyName: "Öztürk", GivenNames: "Can", Protected: true,
				Contexts:   []reconcile.Context{{Organisation: school, Role: "Lehr"}, {Organisation: school, Role: "SorgBer"}},
				Attributes: map[string]string{schulconnexsync.AttrGeschlecht: "m"}},
		},
		Groups: []reconcile.Group{
			{Keys: reconcile.Keys{SourceKey: "7a"}, Name: "Klasse 7a", Type: "Klasse", Organisation: school,
				Valid: reconcile.Period{From: d("2026-08-01"), To: d("2027-07-31")}, Attributes: map[string]string{schulconnexsync.AttrJahrgangsstufen: "07"}},
			{Keys: reconcile.Keys{SourceKey: "E7"}, Name: "Englisch; 7a, \"bilingual\"", Type: "Kurs", Organisation: school,
				Attributes: map[string]string{schulconnexsync.AttrFaecher: "EN,Theater"}},
		},
		Memberships: []reconcile.Membership{
			{Person: "1001", Group: "7a", Role: "Lern", Period: reconcile.Period{From: d("2026-08-01")}},
			{Person: "L-7", Group: "7a", Role: "KlLeit"},
			{Person: "L-7", Group: "E7", Role: "Lehr"},
		},
	}
}

// TestWriteAndReadCSV writes a snapshot, compares the files with the golden ones and reads
// them back to the same snapshot.
func TestWriteAndReadCSV(t *testing.T) {
	dir := t.TempDir()
	snap := sampleSnapshot()
	if err := schulconnexsync.WriteCSV(dir, snap, schulconnexsync.CSVOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{schulconnexsync.CSVPersonen, schulconnexsync.CSVGruppen, schulconnexsync.CSVGruppenzugehoerigkeiten} {
		got, _ := os.ReadFile(filepath.Join(dir, f))
		golden.Check(t, filepath.Join("testdata", "csv", f), got)
	}
	src, err := schulconnexsync.OpenCSV(dir, schulconnexsync.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	back, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(snap, back, cmp.AllowUnexported(reconcile.Date{})); diff != "" {
		t.Errorf("read back (-written +read):\n%s", diff)
	}
}

// TestReadOtherLayouts reads an export with a byte-order mark, commas, its own column names,
// German dates, quoted values and extra columns.
func TestReadOtherLayouts(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(schulconnexsync.CSVPersonen, "\xEF\xBB\xBFSchüler-ID,Nachname,Vorname,Geburtsdatum,Geburtsort,Geschlecht,Sperre,Mail,Rolle,Schulnummer,Klassenstufe,Konfession\r\n"+
		"1001,\"Müller, geb. Schulz\",Anna,01.05.2013,Erfurt,weiblich,ja,anna@x.de a2@x.de,lern,NI_12345,7,ev\r\n"+
		"\r\n"+
		"1002,Schmidt,Ben,2.3.2012,,männlich,0,,LERN,NI_12345,,\r\n")
	write(schulconnexsync.CSVGruppen, "id,bezeichnung,typ,schule,von,bis,jahrgangsstufen,faecher\n7a,7a,klasse,NI_12345,01.08.2026,31.07.2027,7,\nM7,Mathe 7,KURS,NI_12345,,,7 8,ma\n")
	write(schulconnexsync.CSVGruppenzugehoerigkeiten, "person,gruppe,rollen\n1001,7a,lern\n1002,M7,Lern\n")
	cols := map[string]string{"personen:id": "Schüler-ID", "familienname": "nachname", "auskunftssperre": "Sperre", "email": "Mail",
		"personen:rollen": "Rolle", "personen:schule": "Schulnummer", "jahrgangsstufe": "Klassenstufe"}
	src, err := schulconnexsync.OpenCSV(dir, schulconnexsync.CSVOptions{Columns: cols})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := &reconcile.Snapshot{
		Persons: []reconcile.Person{
			{Keys: reconcile.Keys{SourceKey: "1001"}, FamilyName: "Müller, geb. Schulz", GivenNames: "Anna", BirthDate: d("2013-05-01"),
				BirthPlace: "Erfurt", Protected: true, Emails: []string{"anna@x.de", "a2@x.de"},
				Contexts:   []reconcile.Context{{Organisation: school, Role: "Lern"}},
				Attributes: map[string]string{schulconnexsync.AttrGeschlecht: "w", schulconnexsync.AttrJahrgangsstufe: "07"}},
			{Keys: reconcile.Keys{SourceKey: "1002"}, FamilyName: "Schmidt", GivenNames: "Ben", BirthDate: d("2012-03-02"),
				Contexts:   []reconcile.Context{{Organisation: school, Role: "Lern"}},
				Attributes: map[string]string{schulconnexsync.AttrGeschlecht: "m"}},
		},
		Groups: []reconcile.Group{
			{Keys: reconcile.Keys{SourceKey: "7a"}, Name: "7a", Type: "Klasse", Organisation: school,
				Valid: reconcile.Period{From: d("2026-08-01"), To: d("2027-07-31")}, Attributes: map[string]string{schulconnexsync.AttrJahrgangsstufen: "07"}},
			{Keys: reconcile.Keys{SourceKey: "M7"}, Name: "Mathe 7", Type: "Kurs", Organisation: school,
				Attributes: map[string]string{schulconnexsync.AttrJahrgangsstufen: "07,08", schulconnexsync.AttrFaecher: "MA"}},
		},
		Memberships: []reconcile.Membership{{Person: "1001", Group: "7a", Role: "Lern"}, {Person: "1002", Group: "M7", Role: "Lern"}},
	}
	if diff := cmp.Diff(want, snap, cmp.AllowUnexported(reconcile.Date{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	// Step 2: only the classes; Ben is in a course only and goes, a person in no group stays.
	if err := src.AppendPerson(reconcile.Person{Keys: reconcile.Keys{SourceKey: "E1"}, FamilyName: "Eltern", GivenNames: "Eva",
		Contexts: []reconcile.Context{{Organisation: school, Role: "SorgBer"}}}); err != nil {
		t.Fatal(err)
	}
	classes := func(g reconcile.Group) bool { return g.Type == "Klasse" }
	for _, tc := range []struct {
		drop bool
		want []string
	}{{false, []string{"1001", "E1"}}, {true, []string{"1001"}}} {
		sel, _ := schulconnexsync.OpenCSV(dir, schulconnexsync.CSVOptions{Columns: cols, SelectGroups: classes, DropUngrouped: tc.drop})
		snap, err := sel.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, p := range snap.Persons {
			keys = append(keys, p.Keys.SourceKey)
		}
		if diff := cmp.Diff(tc.want, keys); diff != "" || len(snap.Groups) != 1 || len(snap.Memberships) != 1 {
			t.Errorf("drop %v: %s %d groups %d memberships", tc.drop, diff, len(snap.Groups), len(snap.Memberships))
		}
	}
	// The appended row uses the file's delimiter and columns.
	b, _ := os.ReadFile(filepath.Join(dir, schulconnexsync.CSVPersonen))
	if want := "E1,Eltern,Eva,,,,Nein,,SorgBer,NI_12345,,\n"; string(b[len(b)-len(want):]) != want {
		t.Errorf("appended row: %q", b[len(b)-60:])
	}
}

func TestCSVErrors(t *testing.T) {
	cases := []struct {
		name, persons string
		open          bool // the error comes from OpenCSV
		line          int
		column        string
	}{
		{"missing column", "id;familienname;vorname;rollen\n1;A;B;Lern\n", true, 0, ""},
		{"empty file", "", true, 0, ""},
		{"missing value", "id;familienname;vorname;rollen;schule\n1;A;B;Lern;S\n2;;B;Lern;S\n", false, 3, "familienname"},
		{"bad date", "id;familienname;vorname;rollen;schule;geburtsdatum\n1;A;B;Lern;S;31.02.\n", false, 2, "geburtsdatum"},
		{"bad flag", "id;familienname;vorname;rollen;schule;auskunftssperre\n1;A;B;Lern;S;vielleicht\n", false, 2, "auskunftssperre"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			_ = os.WriteFile(filepath.Join(dir, schulconnexsync.CSVPersonen), []byte(tc.persons), 0o644)
			_ = os.WriteFile(filepath.Join(dir, schulconnexsync.CSVGruppen), []byte("id;bezeichnung;typ\n"), 0o644)
			_ = os.WriteFile(filepath.Join(dir, schulconnexsync.CSVGruppenzugehoerigkeiten), []byte("person;gruppe;rollen\n"), 0o644)
			src, err := schulconnexsync.OpenCSV(dir, schulconnexsync.CSVOptions{})
			if tc.open {
				if err == nil {
					t.Fatal("opened")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, err = src.Snapshot(ctx)
			var ce *schulconnexsync.CSVError
			if !errors.As(err, &ce) || ce.Line != tc.line || ce.Column != tc.column || ce.File != schulconnexsync.CSVPersonen {
				t.Fatalf("err = %v", err)
			}
			// The error names place and column, never the values.
			if strings.Contains(err.Error(), "31.02.") || strings.Contains(err.Error(), "vielleicht") {
				t.Fatalf("error %q shows a value", err)
			}
		})
	}
	if _, err := schulconnexsync.OpenCSV(t.TempDir(), schulconnexsync.CSVOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing files: %v", err)
	}
}
