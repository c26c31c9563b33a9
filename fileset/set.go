package fileset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// SetWriter writes the files of one set into a stage and checks every row against the files'
// Specs: each column's own rules as the row is written, uniqueness per file, and references
// between files (checked as soon as the file referred to is complete). Err reports what was
// found; a set with problems must not be committed.
type SetWriter struct {
	stage  *Stage
	format string
	d      Dialect
	specs  map[string]*Spec
	// keys holds the values of every column another column refers to, per "file/column".
	keys    map[string]map[string]struct{}
	closed  map[string]bool
	pending []pendingRef
	check   checker
	sizes   map[string]int64
	buf     []byte
	seeds   [2]maphash.Seed // of the tuples' hashes (tupleKey)
}

type pendingRef struct {
	file, id, column string
	line             int
	ref              Ref
	value            string
}

// NewSetWriter starts writing a set of the named format in dialect d into stage. specs are
// every file of the set.
func NewSetWriter(stage *Stage, format string, d Dialect, specs ...*Spec) *SetWriter {
	w := &SetWriter{stage: stage, format: format, d: d, specs: map[string]*Spec{}, keys: map[string]map[string]struct{}{},
		closed: map[string]bool{}, sizes: map[string]int64{}, seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
	for _, s := range specs {
		w.specs[s.Name] = s
	}
	for _, s := range specs {
		for _, c := range s.Columns {
			if c.Ref != nil {
				w.keys[c.Ref.File+"/"+c.Ref.Column] = map[string]struct{}{}
			}
		}
	}
	return w
}

// FileWriter writes the rows of one file.
type FileWriter struct {
	w      *SetWriter
	spec   *Spec
	f      *File
	line   int
	unique []uniqueSet
	keyed  []keyedColumn
}

// uniqueSet holds the tuples of one Spec.Unique met so far in a file, by their tupleKeys.
type uniqueSet struct {
	idx    []int
	tuples map[tupleKey]struct{}
}

// tupleKey identifies a tuple of values (or a single one) by two independent 64-bit hashes:
// at a million rows its map is a fraction of a map of the joined values, it keeps no value
// built for the row alive, and two different tuples share both hashes with odds of about one
// in 2^128.
type tupleKey [2]uint64

func (w *SetWriter) tupleKey(fields []string, idx []int) tupleKey {
	var k tupleKey
	var n [8]byte
	for i, seed := range w.seeds {
		var h maphash.Hash
		h.SetSeed(seed)
		for _, x := range idx {
			binary.LittleEndian.PutUint64(n[:], uint64(len(fields[x])))
			h.Write(n[:])
			h.WriteString(fields[x])
		}
		k[i] = h.Sum64()
	}
	return k
}

type keyedColumn struct {
	idx  int
	keys map[string]struct{}
}

// Create starts the file of spec with its header row, plus extra header names past the
// spec's columns where the spec allows them.
func (w *SetWriter) Create(spec *Spec, extra ...string) (*FileWriter, error) {
	f, err := w.stage.Create(spec.Name)
	if err != nil {
		return nil, err
	}
	fw := &FileWriter{w: w, spec: spec, f: f, line: 1}
	for _, u := range spec.Unique {
		set := uniqueSet{idx: make([]int, len(u)), tuples: map[tupleKey]struct{}{}}
		for i, name := range u {
			set.idx[i] = spec.Index(name)
		}
		fw.unique = append(fw.unique, set)
	}
	for i, c := range spec.Columns {
		if k, ok := w.keys[spec.Name+"/"+c.Name]; ok {
			fw.keyed = append(fw.keyed, keyedColumn{idx: i, keys: k})
		}
	}
	header := append(spec.Header(), extra...)
	for _, e := range extra {
		if spec.Extra == nil || !spec.Extra(e) {
			f.Close()
			return nil, fmt.Errorf("fileset: %s has no extension column %q", spec.Name, e)
		}
	}
	w.buf = w.d.AppendRow(w.buf[:0], header)
	if _, err := f.Write(w.buf); err != nil {
		f.Close()
		return nil, fmt.Errorf("fileset: %w", err)
	}
	return fw, nil
}

// Row checks and writes one row. id names the row in problems (its sourcedId, or the ids it
// joins). fields are the spec's columns in order, then any extension columns.
func (fw *FileWriter) Row(id string, fields ...string) error {
	fw.line++
	w, spec := fw.w, fw.spec
	if len(fields) < len(spec.Columns) {
		w.check.add(spec.Name, fw.line, id, "", fmt.Sprintf("%d values for %d columns", len(fields), len(spec.Columns)))
		return nil
	}
	for i := range spec.Columns {
		c := &spec.Columns[i]
		w.check.checkValue(spec.Name, fw.line, id, c, fields[i])
		if c.Ref != nil && fields[i] != "" {
			items := []string{fields[i]}
			if c.List {
				items = strings.Split(fields[i], ",")
			}
			for _, it := range items {
				w.refer(spec.Name, fw.line, id, c.Name, *c.Ref, it)
			}
		}
	}
	for _, e := range fields[len(spec.Columns):] {
		if strings.ContainsAny(e, "\r\n") {
			w.check.add(spec.Name, fw.line, id, "", "values must not hold line breaks")
		}
	}
	for _, u := range fw.unique {
		if !u.add(w, fields) {
			names := make([]string, len(u.idx))
			for i, x := range u.idx {
				names[i] = spec.Columns[x].Name
			}
			w.check.add(spec.Name, fw.line, id, strings.Join(names, "+"), "must be unique in the file; an earlier row has the same")
		}
	}
	for _, k := range fw.keyed {
		if v := fields[k.idx]; v != "" {
			k.keys[v] = struct{}{}
		}
	}
	w.buf = w.d.AppendRow(w.buf[:0], fields)
	if _, err := fw.f.Write(w.buf); err != nil {
		return fmt.Errorf("fileset: writing %s: %w", spec.Name, err)
	}
	return nil
}

// add notes the row's tuple, or reports false when an earlier row had the same.
func (u *uniqueSet) add(w *SetWriter, fields []string) bool {
	k := w.tupleKey(fields, u.idx)
	if _, dup := u.tuples[k]; dup {
		return false
	}
	u.tuples[k] = struct{}{}
	return true
}

// refer checks a reference now if the file referred to is complete, and later otherwise.
func (w *SetWriter) refer(file string, line int, id, column string, ref Ref, v string) {
	if w.closed[ref.File] {
		if _, ok := w.keys[ref.File+"/"+ref.Column][v]; !ok {
			w.check.add(file, line, id, column, "refers to no "+ref.Column+" in "+ref.File)
		}
		return
	}
	w.pending = append(w.pending, pendingRef{file: file, line: line, id: id, column: column, ref: ref, value: v})
}

// Close finishes the file (synced to disk).
func (fw *FileWriter) Close() error {
	fw.w.closed[fw.spec.Name] = true
	fw.w.sizes[fw.spec.Name] = fw.f.Size()
	fw.unique = nil
	return fw.f.Close()
}

// Err checks the references still open and returns a *ValidationError for every problem
// found, or nil. Call it after every file is closed.
func (w *SetWriter) Err() error {
	for _, p := range w.pending {
		if _, ok := w.keys[p.ref.File+"/"+p.ref.Column][p.value]; !ok {
			w.check.add(p.file, p.line, p.id, p.column, "refers to no "+p.ref.Column+" in "+p.ref.File)
		}
	}
	w.pending = nil
	if w.check.total == 0 {
		return nil
	}
	slices.SortStableFunc(w.check.problems, func(a, b Problem) int {
		if a.File != b.File {
			return strings.Compare(a.File, b.File)
		}
		return a.Line - b.Line
	})
	return &ValidationError{Format: w.format, Problems: w.check.problems, Total: w.check.total}
}

// Sizes returns the bytes written per file.
func (w *SetWriter) Sizes() map[string]int64 { return w.sizes }

// Row is one row a reader found, by column name.
type Row struct {
	Line   int
	fields []string
	index  map[string]int
}

// Get returns the value of a column ("" when the file lacks it).
func (r Row) Get(name string) string {
	if i, ok := r.index[name]; ok && i < len(r.fields) {
		return r.fields[i]
	}
	return ""
}

// Extra returns the values of the extension columns whose names start with prefix, in header
// order (Apple's location_id_2 ...).
func (r Row) Extra(prefix string) []string {
	var out []string
	var idx []int
	for name, i := range r.index {
		if strings.HasPrefix(name, prefix) {
			idx = append(idx, i)
		}
	}
	slices.Sort(idx)
	for _, i := range idx {
		if i < len(r.fields) && r.fields[i] != "" {
			out = append(out, r.fields[i])
		}
	}
	return out
}

// ErrNoFile means a set lacks a file its format requires.
var ErrNoFile = errors.New("fileset: a file of the set is missing")

// ReadFile reads the file of spec from the set directory dir in dialect d: its header must be
// the spec's columns exactly, in order (plus extension columns the spec allows), and every
// row must have as many fields as the header. row gets each row; the Row is only valid during
// the call. A missing Optional file reads as no rows.
func ReadFile(dir string, d Dialect, spec *Spec, lim Limits, row func(Row) error) error {
	f, err := os.Open(filepath.Join(dir, spec.Name))
	if errors.Is(err, fs.ErrNotExist) {
		if spec.Optional {
			return nil
		}
		return fmt.Errorf("%w: %s", ErrNoFile, spec.Name)
	}
	if err != nil {
		return fmt.Errorf("fileset: %w", err)
	}
	defer f.Close()
	var r Row
	return d.Parse(f, spec.Name, lim, func(line int, fields []string) error {
		if line == 1 || r.index == nil {
			if err := checkHeader(spec, fields); err != nil {
				return &SyntaxError{File: spec.Name, Line: line, Msg: err.Error()}
			}
			r.index = make(map[string]int, len(fields))
			for i, n := range fields {
				r.index[n] = i
			}
			return nil
		}
		if len(fields) != len(r.index) {
			return &SyntaxError{File: spec.Name, Line: line, Msg: fmt.Sprintf("%d fields, the header has %d", len(fields), len(r.index))}
		}
		r.Line, r.fields = line, fields
		return row(r)
	})
}

func checkHeader(spec *Spec, got []string) error {
	want := spec.Header()
	if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
		return fmt.Errorf("the header is not the format's (%s)", strings.Join(want, ","))
	}
	seen := map[string]bool{}
	for _, n := range got {
		if seen[n] {
			return errors.New("a column appears twice in the header")
		}
		seen[n] = true
	}
	for _, e := range got[len(want):] {
		if spec.Extra == nil || !spec.Extra(e) {
			return errors.New("the header has a column the format does not allow")
		}
	}
	return nil
}

// Problem records a rule the last row written breaks that its Spec cannot express (a rule
// across files, such as "a contact needs an e-mail address").
func (fw *FileWriter) Problem(id, column, rule string) {
	fw.w.check.add(fw.spec.Name, fw.line, id, column, rule)
}
