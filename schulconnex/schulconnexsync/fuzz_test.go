package schulconnexsync_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/schulconnex/schulconnexsync"
)

// FuzzCSVSource feeds the three files of a CSV export to OpenCSV: no panic, typed errors, every
// record it yields has its required values, and what it read survives being written with
// WriteCSV and read again.
func FuzzCSVSource(f *testing.F) {
	f.Add([]byte("id;familienname;vorname;rollen;schule;geburtsdatum;email;jahrgangsstufe\n1;Muster;Nora;Lern;NI_1;01.05.2013;n@x.de;7\n"),
		[]byte("id;bezeichnung;typ;jahrgangsstufen;faecher;von\n7a;7a;Klasse;7 8;MA,Darstellendes Spiel;2026-08-01\n"),
		[]byte("person;gruppe;rollen\n1;7a;Lern KlLeit\n"))
	f.Add([]byte("\xEF\xBB\xBFid,familienname,vorname,rollen,schule,auskunftssperre,geschlecht\r\n\"1,2\",\"A\"\"B\",C,\"Lehr SorgBer\",S,ja,weiblich\r\n"),
		[]byte("id,bezeichnung,typ\n"), []byte("person,gruppe,rollen,von,bis\n\"1,2\",g,Lehr,,31.12.2026\n"))
	f.Add([]byte("id;familienname;vorname;rollen;schule\n1;A;B;,;S\n"), []byte("id;bezeichnung;typ\n"), []byte("person;gruppe;rollen\n1;g;|\n"))
	f.Fuzz(func(t *testing.T, persons, groups, members []byte) {
		dir := t.TempDir()
		for name, b := range map[string][]byte{schulconnexsync.CSVPersonen: persons, schulconnexsync.CSVGruppen: groups,
			schulconnexsync.CSVGruppenzugehoerigkeiten: members} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		snap, err := readCSV(dir)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "schulconnex: ") {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		for _, p := range snap.Persons {
			if p.Keys.SourceKey == "" || p.FamilyName == "" || p.GivenNames == "" || len(p.Contexts) == 0 {
				t.Fatalf("person without its required values: %+v", p)
			}
		}
		for _, g := range snap.Groups {
			if g.Keys.SourceKey == "" || g.Name == "" || g.Type == "" {
				t.Fatalf("group without its required values: %+v", g)
			}
		}
		for _, m := range snap.Memberships {
			if m.Person == "" || m.Group == "" || m.Role == "" {
				t.Fatalf("membership without its required values: %+v", m)
			}
		}
		out := t.TempDir()
		if err := schulconnexsync.WriteCSV(out, snap, schulconnexsync.CSVOptions{}); err != nil {
			t.Fatalf("writing what was read: %v", err)
		}
		back, err := readCSV(out)
		if err != nil {
			t.Fatalf("reading what was written: %v", err)
		}
		if diff := cmp.Diff(snap, back, cmp.AllowUnexported(reconcile.Date{})); diff != "" {
			t.Fatalf("changed by writing and reading again (-first +second):\n%s", diff)
		}
	})
}

func readCSV(dir string) (*reconcile.Snapshot, error) {
	src, err := schulconnexsync.OpenCSV(dir, schulconnexsync.CSVOptions{})
	if err != nil {
		return nil, err
	}
	return src.Snapshot(ctx)
}
