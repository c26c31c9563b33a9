package schulconnexsync

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/schulconnex"
)

// The CSV file names.
const (
	CSVPersonen                = "personen.csv"
	CSVGruppen                 = "gruppen.csv"
	CSVGruppenzugehoerigkeiten = "gruppenzugehoerigkeiten.csv"
)

// The column names of the CSV format.
var (
	csvPersonColumns = []string{"id", "schulconnex_id", "familienname", "vorname", "geburtsdatum", "geburtsort",
		"geschlecht", "auskunftssperre", "email", "rollen", "schule", "jahrgangsstufe"}
	csvGroupColumns      = []string{"id", "schulconnex_id", "bezeichnung", "typ", "schule", "von", "bis", "jahrgangsstufen", "faecher"}
	csvMembershipColumns = []string{"person", "gruppe", "rollen", "von", "bis"}
	csvRequired          = map[string][]string{
		CSVPersonen:                {"id", "familienname", "vorname", "rollen", "schule"},
		CSVGruppen:                 {"id", "bezeichnung", "typ"},
		CSVGruppenzugehoerigkeiten: {"person", "gruppe", "rollen"},
	}
)

// CSVOptions configure reading and writing the CSV export.
type CSVOptions struct {
	// Delimiter is ';' or ','. Zero detects it from each file's header line when reading and
	// writes ';' (as German spreadsheet programs expect).
	Delimiter rune
	// BOM writes a UTF-8 byte-order mark at the start of new files, for spreadsheet programs.
	BOM bool
	// Columns maps the format's column names (above) to the headers of a system whose export
	// names them differently, e.g. {"familienname": "Nachname", "personen:id": "Schüler-ID"}.
	// A key names the column in every file, or, prefixed with a file's name without ".csv"
	// and a colon, in that file only.
	Columns map[string]string
	// SelectGroups chooses the groups to synchronise (step 2 of the Schulconnex flow, for
	// example the classes and the teachers' group). Nil selects every group. With a selection,
	// memberships of other groups are left out, and so are persons who are only in other groups.
	SelectGroups func(reconcile.Group) bool
	// DropUngrouped also leaves out, with a selection, persons who are in no group at all
	// (guardians, administrators). By default they are kept: a selection of groups says which
	// learners and teachers to take, not that parents should go.
	DropUngrouped bool
}

func (o *CSVOptions) column(file, name string) string {
	if h, ok := o.Columns[strings.TrimSuffix(file, ".csv")+":"+name]; ok && h != "" {
		return h
	}
	if h, ok := o.Columns[name]; ok && h != "" {
		return h
	}
	return name
}

// CSVSource reads a CSV export (see the format above) as a reconcile.Source. It reads the
// files afresh on every call, so rows appended by imports are seen by the next read. It is
// safe for concurrent use.
type CSVSource struct {
	dir  string
	opts CSVOptions
	mu   sync.Mutex
}

// OpenCSV returns a source over the CSV files in dir. It checks that the files exist and that
// their headers have the required columns.
func OpenCSV(dir string, opts CSVOptions) (*CSVSource, error) {
	s := &CSVSource{dir: dir, opts: opts}
	for _, f := range []string{CSVPersonen, CSVGruppen, CSVGruppenzugehoerigkeiten} {
		t, err := s.read(f)
		if err != nil {
			return nil, err
		}
		for _, c := range csvRequired[f] {
			if _, ok := t.index[c]; !ok {
				return nil, fmt.Errorf("schulconnex: %s has no column %q", f, opts.column(f, c))
			}
		}
	}
	return s, nil
}

// Dir returns the directory of the files.
func (s *CSVSource) Dir() string { return s.dir }

// csvTable is one file read whole.
type csvTable struct {
	file   string
	header []string
	index  map[string]int // canonical column -> position
	rows   [][]string
	lines  []int // line number of each row
	delim  rune
}

func (t *csvTable) get(row []string, col string) string {
	i, ok := t.index[col]
	if !ok || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

var bom = []byte{0xEF, 0xBB, 0xBF}

// detectDelimiter picks ';' or ',' by counting them in the header line outside quotes.
func detectDelimiter(head []byte) rune {
	semi, comma, quoted := 0, 0, false
	for _, c := range head {
		switch {
		case c == '"':
			quoted = !quoted
		case c == '\n':
			if semi > comma {
				return ';'
			}
			if comma > 0 {
				return ','
			}
			return ';'
		case quoted:
		case c == ';':
			semi++
		case c == ',':
			comma++
		}
	}
	if comma > semi {
		return ','
	}
	return ';'
}

func (s *CSVSource) read(file string) (*csvTable, error) {
	b, err := os.ReadFile(filepath.Join(s.dir, file))
	if err != nil {
		return nil, fmt.Errorf("schulconnex: reading %s: %w", file, err)
	}
	return parseCSV(file, b, s.opts)
}

// parseCSV reads one file's bytes.
func parseCSV(file string, b []byte, opts CSVOptions) (*csvTable, error) {
	b = bytes.TrimPrefix(b, bom)
	t := &csvTable{file: file, index: map[string]int{}, delim: opts.Delimiter}
	if t.delim == 0 {
		t.delim = detectDelimiter(b)
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma = t.delim
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	header, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("schulconnex: %s is empty; it needs at least a header line", file)
	}
	if err != nil {
		return nil, fmt.Errorf("schulconnex: %s: %w", file, err)
	}
	t.header = header
	byHeader := map[string]int{}
	for i, h := range header {
		byHeader[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, col := range append(append(slices.Clone(csvPersonColumns), csvGroupColumns...), csvMembershipColumns...) {
		if i, ok := byHeader[strings.ToLower(opts.column(file, col))]; ok {
			t.index[col] = i
		}
	}
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("schulconnex: %s: %w", file, err)
		}
		line, _ := r.FieldPos(0)
		if len(row) == 1 && strings.TrimSpace(row[0]) == "" {
			continue // an empty line
		}
		t.rows = append(t.rows, row)
		t.lines = append(t.lines, line)
	}
	return t, nil
}

// CSVError is a row of a CSV export that could not be read. It names file, line and column,
// never the row's contents.
type CSVError struct {
	File   string // personen.csv, gruppen.csv or gruppenzugehoerigkeiten.csv
	Line   int    // 1-based line of the row
	Column string // the format's column name (see the package documentation)
	Err    error  // what is wrong with the value
}

// Error names file, line and column.
func (e *CSVError) Error() string {
	return fmt.Sprintf("schulconnex: %s line %d, column %s: %v", e.File, e.Line, e.Column, e.Err)
}

// Unwrap returns the cause.
func (e *CSVError) Unwrap() error { return e.Err }

var errMissing = errors.New("value missing")

// parseCSVDate reads YYYY-MM-DD or DD.MM.YYYY.
func parseCSVDate(s string) (reconcile.Date, error) {
	if s == "" {
		return reconcile.Date{}, nil
	}
	if d, err := reconcile.ParseDate(s); err == nil {
		return d, nil
	}
	if t, err := time.Parse("02.01.2006", s); err == nil {
		return reconcile.DateOf(t), nil
	}
	if t, err := time.Parse("2.1.2006", s); err == nil {
		return reconcile.DateOf(t), nil
	}
	return reconcile.Date{}, errors.New("not a date (YYYY-MM-DD or DD.MM.YYYY)")
}

func parseJaNein(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "", "nein", "n", "0", "false", "no":
		return false, nil
	case "ja", "j", "1", "true", "yes":
		return true, nil
	}
	return false, errors.New("not Ja or Nein")
}

func parseGeschlecht(s string) string {
	switch strings.ToLower(s) {
	case "":
		return ""
	case "männlich", "maennlich":
		return string(schulconnex.GeschlechtM)
	case "weiblich":
		return string(schulconnex.GeschlechtW)
	case "divers":
		return string(schulconnex.GeschlechtD)
	case "ohne angabe", "keine angabe":
		return string(schulconnex.GeschlechtX)
	}
	var g schulconnex.Geschlecht
	_ = g.UnmarshalText([]byte(s))
	return string(g)
}

// grades normalises a list of grades to two-digit codes joined by commas.
func grades(s string) string {
	var out []string
	for _, p := range splitList(s) {
		var j schulconnex.Jahrgangsstufe
		_ = j.UnmarshalText([]byte(p))
		out = append(out, string(j))
	}
	return strings.Join(out, ",")
}

// faecher normalises a subject list: known codes upper case, names as written.
func faecher(s string) string {
	var out []string
	for _, p := range splitSubjects(s) {
		if k := schulconnex.Fachkennung(strings.ToUpper(p)); k.Valid() {
			p = string(k)
		}
		out = append(out, p)
	}
	return strings.Join(out, ",")
}

func csvRoles(s string) []string {
	var out []string
	for _, r := range splitList(s) {
		var x schulconnex.Rolle
		_ = x.UnmarshalText([]byte(r))
		if !slices.Contains(out, string(x)) {
			out = append(out, string(x))
		}
	}
	return out
}

func csvGroupRoles(s string) string {
	var out []string
	for _, r := range splitList(s) {
		var x schulconnex.Gruppenrolle
		_ = x.UnmarshalText([]byte(r))
		if !slices.Contains(out, string(x)) {
			out = append(out, string(x))
		}
	}
	return strings.Join(out, ",")
}

// rowReader reads the values of one row, collecting the first error.
type rowReader struct {
	t    *csvTable
	row  []string
	line int
	err  error
}

func (r *rowReader) fail(col string, err error) {
	if r.err == nil {
		r.err = &CSVError{File: r.t.file, Line: r.line, Column: col, Err: err}
	}
}

func (r *rowReader) get(col string) string { return r.t.get(r.row, col) }

func (r *rowReader) required(col string) string {
	v := r.get(col)
	if v == "" {
		r.fail(col, errMissing)
	}
	return v
}

func (r *rowReader) date(col string) reconcile.Date {
	d, err := parseCSVDate(r.get(col))
	if err != nil {
		r.fail(col, err)
	}
	return d
}

func (s *CSVSource) persons() ([]reconcile.Person, error) {
	t, err := s.read(CSVPersonen)
	if err != nil {
		return nil, err
	}
	out := make([]reconcile.Person, 0, len(t.rows))
	for i, row := range t.rows {
		r := rowReader{t: t, row: row, line: t.lines[i]}
		x := reconcile.Person{
			Keys:       reconcile.Keys{SourceKey: r.required("id"), TargetID: r.get("schulconnex_id")},
			FamilyName: r.required("familienname"),
			GivenNames: r.required("vorname"),
			BirthDate:  r.date("geburtsdatum"),
			BirthPlace: r.get("geburtsort"),
		}
		prot, err := parseJaNein(r.get("auskunftssperre"))
		if err != nil {
			r.fail("auskunftssperre", err)
		}
		x.Protected = prot
		for _, m := range strings.Fields(strings.NewReplacer(",", " ", "|", " ").Replace(r.get("email"))) {
			if !slices.Contains(x.Emails, m) {
				x.Emails = append(x.Emails, m)
			}
		}
		school := r.required("schule")
		roles := csvRoles(r.required("rollen"))
		if len(roles) == 0 {
			r.fail("rollen", errMissing) // only separators
		}
		for _, role := range roles {
			x.Contexts = append(x.Contexts, reconcile.Context{Organisation: school, Role: role})
		}
		attrs := map[string]string{}
		if g := parseGeschlecht(r.get("geschlecht")); g != "" {
			attrs[AttrGeschlecht] = g
		}
		if g := grades(r.get("jahrgangsstufe")); g != "" && slices.Contains(roles, string(schulconnex.RolleLern)) {
			attrs[AttrJahrgangsstufe] = g
		}
		if len(attrs) > 0 {
			x.Attributes = attrs
		}
		if r.err != nil {
			return nil, r.err
		}
		out = append(out, x)
	}
	return out, nil
}

func (s *CSVSource) groups() ([]reconcile.Group, error) {
	t, err := s.read(CSVGruppen)
	if err != nil {
		return nil, err
	}
	out := make([]reconcile.Group, 0, len(t.rows))
	for i, row := range t.rows {
		r := rowReader{t: t, row: row, line: t.lines[i]}
		var typ schulconnex.Gruppentyp
		_ = typ.UnmarshalText([]byte(r.required("typ")))
		g := reconcile.Group{
			Keys:         reconcile.Keys{SourceKey: r.required("id"), TargetID: r.get("schulconnex_id")},
			Name:         r.required("bezeichnung"),
			Type:         string(typ),
			Organisation: r.get("schule"),
			Valid:        reconcile.Period{From: r.date("von"), To: r.date("bis")},
		}
		attrs := map[string]string{}
		if v := grades(r.get("jahrgangsstufen")); v != "" {
			attrs[AttrJahrgangsstufen] = v
		}
		if v := faecher(r.get("faecher")); v != "" {
			attrs[AttrFaecher] = v
		}
		if len(attrs) > 0 {
			g.Attributes = attrs
		}
		if r.err != nil {
			return nil, r.err
		}
		out = append(out, g)
	}
	return out, nil
}

func (s *CSVSource) memberships() ([]reconcile.Membership, error) {
	t, err := s.read(CSVGruppenzugehoerigkeiten)
	if err != nil {
		return nil, err
	}
	out := make([]reconcile.Membership, 0, len(t.rows))
	for i, row := range t.rows {
		r := rowReader{t: t, row: row, line: t.lines[i]}
		m := reconcile.Membership{Person: r.required("person"), Group: r.required("gruppe"),
			Role: csvGroupRoles(r.required("rollen")), Period: reconcile.Period{From: r.date("von"), To: r.date("bis")}}
		if m.Role == "" {
			r.fail("rollen", errMissing) // only separators
		}
		if r.err != nil {
			return nil, r.err
		}
		out = append(out, m)
	}
	return out, nil
}

// Snapshot reads the three files and applies the group selection: the selected groups, their
// memberships, and the persons in them (plus persons in no group, unless DropUngrouped).
func (s *CSVSource) Snapshot(ctx context.Context) (*reconcile.Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	persons, err := s.persons()
	if err != nil {
		return nil, err
	}
	groups, err := s.groups()
	if err != nil {
		return nil, err
	}
	members, err := s.memberships()
	if err != nil {
		return nil, err
	}
	if s.opts.SelectGroups == nil {
		return &reconcile.Snapshot{Persons: persons, Groups: groups, Memberships: members}, nil
	}
	selected := map[string]bool{}
	keep := groups[:0]
	for _, g := range groups {
		if s.opts.SelectGroups(g) {
			selected[g.Keys.SourceKey] = true
			keep = append(keep, g)
		}
	}
	inSelected, inAny := map[string]bool{}, map[string]bool{}
	keptMembers := members[:0]
	for _, m := range members {
		inAny[m.Person] = true
		if selected[m.Group] {
			inSelected[m.Person] = true
			keptMembers = append(keptMembers, m)
		}
	}
	keptPersons := persons[:0]
	for _, p := range persons {
		k := p.Keys.SourceKey
		if inSelected[k] || (!inAny[k] && !s.opts.DropUngrouped) {
			keptPersons = append(keptPersons, p)
		}
	}
	return &reconcile.Snapshot{Persons: keptPersons, Groups: keep, Memberships: keptMembers}, nil
}

func seqOf[T any](items []T, err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if err != nil {
			yield(zero, err)
			return
		}
		for _, it := range items {
			if !yield(it, nil) {
				return
			}
		}
	}
}

// Persons yields the selected persons.
func (s *CSVSource) Persons(ctx context.Context) iter.Seq2[reconcile.Person, error] {
	return func(yield func(reconcile.Person, error) bool) {
		snap, err := s.Snapshot(ctx)
		var items []reconcile.Person
		if snap != nil {
			items = snap.Persons
		}
		seqOf(items, err)(yield)
	}
}

// Groups yields the selected groups.
func (s *CSVSource) Groups(ctx context.Context) iter.Seq2[reconcile.Group, error] {
	return func(yield func(reconcile.Group, error) bool) {
		snap, err := s.Snapshot(ctx)
		var items []reconcile.Group
		if snap != nil {
			items = snap.Groups
		}
		seqOf(items, err)(yield)
	}
}

// Memberships yields the memberships of the selected groups.
func (s *CSVSource) Memberships(ctx context.Context) iter.Seq2[reconcile.Membership, error] {
	return func(yield func(reconcile.Membership, error) bool) {
		snap, err := s.Snapshot(ctx)
		var items []reconcile.Membership
		if snap != nil {
			items = snap.Memberships
		}
		seqOf(items, err)(yield)
	}
}

// --- writing ---

func personRow(p *reconcile.Person) ([]string, error) {
	school := ""
	var roles []string
	for _, c := range p.Contexts {
		if school != "" && c.Organisation != school {
			return nil, fmt.Errorf("schulconnex: person %s has contexts at two schools; the CSV format holds one", p.Keys.SourceKey)
		}
		school = c.Organisation
		roles = append(roles, c.Role)
	}
	prot := "Nein"
	if p.Protected {
		prot = "Ja"
	}
	return []string{p.Keys.SourceKey, p.Keys.TargetID, p.FamilyName, p.GivenNames, p.BirthDate.String(), p.BirthPlace,
		p.Attributes[AttrGeschlecht], prot, strings.Join(p.Emails, " "), strings.Join(roles, " "), school,
		p.Attributes[AttrJahrgangsstufe]}, nil
}

func groupRow(g *reconcile.Group) []string {
	return []string{g.Keys.SourceKey, g.Keys.TargetID, g.Name, g.Type, g.Organisation, g.Valid.From.String(),
		g.Valid.To.String(), strings.ReplaceAll(g.Attributes[AttrJahrgangsstufen], ",", " "), g.Attributes[AttrFaecher]}
}

func membershipRow(m *reconcile.Membership) []string {
	return []string{m.Person, m.Group, strings.ReplaceAll(m.Role, ",", " "), m.Period.From.String(), m.Period.To.String()}
}

// WriteCSV writes a source snapshot (keys are source keys; Keys.TargetID becomes
// schulconnex_id) as the three CSV files in dir, replacing them. Column names follow
// opts.Columns; the delimiter is opts.Delimiter (';' by default).
func WriteCSV(dir string, snap *reconcile.Snapshot, opts CSVOptions) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	header := func(file string, cols []string) []string {
		out := make([]string, len(cols))
		for i, c := range cols {
			out[i] = opts.column(file, c)
		}
		return out
	}
	var prows, grows, mrows [][]string
	for i := range snap.Persons {
		row, err := personRow(&snap.Persons[i])
		if err != nil {
			return err
		}
		prows = append(prows, row)
	}
	for i := range snap.Groups {
		grows = append(grows, groupRow(&snap.Groups[i]))
	}
	for i := range snap.Memberships {
		mrows = append(mrows, membershipRow(&snap.Memberships[i]))
	}
	for _, f := range []struct {
		name string
		cols []string
		rows [][]string
	}{{CSVPersonen, csvPersonColumns, prows}, {CSVGruppen, csvGroupColumns, grows}, {CSVGruppenzugehoerigkeiten, csvMembershipColumns, mrows}} {
		if err := writeCSVFile(filepath.Join(dir, f.name), header(f.name, f.cols), f.rows, opts); err != nil {
			return err
		}
	}
	return nil
}

func writeCSVFile(path string, header []string, rows [][]string, opts CSVOptions) (err error) {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriter(f)
	if opts.BOM {
		_, _ = bw.Write(bom)
	}
	w := csv.NewWriter(bw)
	w.Comma = ';'
	if opts.Delimiter != 0 {
		w.Comma = opts.Delimiter
	}
	_ = w.Write(header)
	_ = w.WriteAll(rows)
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// appendRow adds one row to a file in the file's own column order and delimiter.
func (s *CSVSource) appendRow(file string, values map[string]string) error {
	t, err := s.read(file)
	if err != nil {
		return err
	}
	row := make([]string, len(t.header))
	for col, v := range values {
		if i, ok := t.index[col]; ok {
			row[i] = v
		}
	}
	path := filepath.Join(s.dir, file)
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if len(b) > 0 && b[len(b)-1] != '\n' {
		buf.WriteString("\n")
	}
	w := csv.NewWriter(&buf)
	w.Comma = t.delim
	if err := w.Write(row); err != nil {
		return err
	}
	w.Flush()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func zipRow(cols, row []string) map[string]string {
	m := make(map[string]string, len(cols))
	for i, c := range cols {
		m[c] = row[i]
	}
	return m
}

// AppendPerson adds a person row (p keyed by source key; Keys.TargetID becomes schulconnex_id).
func (s *CSVSource) AppendPerson(p reconcile.Person) error {
	row, err := personRow(&p)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appendRow(CSVPersonen, zipRow(csvPersonColumns, row))
}

// AppendGroup adds a group row.
func (s *CSVSource) AppendGroup(g reconcile.Group) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appendRow(CSVGruppen, zipRow(csvGroupColumns, groupRow(&g)))
}

// AppendMembership adds a membership row.
func (s *CSVSource) AppendMembership(m reconcile.Membership) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appendRow(CSVGruppenzugehoerigkeiten, zipRow(csvMembershipColumns, membershipRow(&m)))
}
