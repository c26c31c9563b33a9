package ss12000sync

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/edusync/edusync/internal/uuidtext"
	"github.com/edusync/edusync/reconcile"
)

// The records are kept in store in a small binary form: a format byte, then each field in a
// fixed order, strings and lists length-prefixed. It decodes a municipality in a fraction of the
// time JSON takes. Everything read is checked: a damaged value is an error (ErrStoredState),
// never a panic or a record with parts missing.
//
// Two forms, told apart by their first byte, are read; the second is written:
//
//   - 1: the record's id, then its other fields; strings as their length and bytes; dates as
//     a flag, then year, month and day.
//   - 2: the fields without the id (the store key holds it). A string that ends in a UUID in
//     its canonical lower-case form (the ids SS 12000 services use) is the length of the part
//     before the UUID, times two plus one, then that part and the UUID's 16 bytes; any other
//     string is its length times two, then its bytes. A date is 0 when absent, else its day
//     number since 1970-01-01, zig-zag encoded, plus one. A municipality takes half the bytes
//     of the first form, which halves what a run reads from and writes to the store.

// recordFormat is the first byte of every record this version writes.
const recordFormat = 2

// ErrStoredState means the snapshot kept in store cannot be read (damaged, or written by a newer
// edusync). Refresh then reads the service afresh instead of trusting it.
var ErrStoredState = errors.New("ss12000sync: the stored snapshot cannot be read")

type encoder struct{ b []byte }

func newEncoder() *encoder { return &encoder{b: []byte{recordFormat}} }

func (e *encoder) uint(n uint64) { e.b = binary.AppendUvarint(e.b, n) }

func (e *encoder) int(n int64) { e.b = binary.AppendVarint(e.b, n) }

func (e *encoder) str(s string) {
	if n := len(s) - 36; n >= 0 {
		if u, ok := uuidtext.Parse(s[n:]); ok {
			e.uint(uint64(n)<<1 | 1)
			e.b = append(e.b, s[:n]...)
			e.b = append(e.b, u[:]...)
			return
		}
	}
	e.uint(uint64(len(s)) << 1)
	e.b = append(e.b, s...)
}

func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func (e *encoder) date(d reconcile.Date) {
	if d.IsZero() {
		e.uint(0)
		return
	}
	n := daysFromCivil(int64(d.Year()), int64(d.Month()), int64(d.Day()))
	e.uint(uint64(n<<1^n>>63) + 1)
}

func (e *encoder) strs(l []string) {
	e.uint(uint64(len(l)))
	for _, s := range l {
		e.str(s)
	}
}

// daysFromCivil is the number of days from 1970-01-01 to y-m-d (proleptic Gregorian).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	doy := (153*((m+9)%12)+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the date n days after 1970-01-01.
func civilFromDays(n int64) (y, m, d int64) {
	n += 719468
	era := floorDiv(n, 146097)
	doe := n - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	y = yoe + era*400
	if m <= 2 {
		y++
	}
	return y, m, d
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// maxDays bounds the day numbers read: a million years either way, far inside what a Date holds.
const maxDays = 365_250_000

// decoder reads stored records. The strings of many records are written one after another into
// one buffer and made into a single string when it is full, each field a part of it: decoding a
// municipality costs a few hundred allocations for its strings instead of one per record.
type decoder struct {
	b      []byte // what is left of the record at hand
	format byte
	err    error
	text   []byte // the strings read since the last flush
	fields []field
	ids    []byte // the records' ids, kept apart: they are what later stages look up
	idRefs []field
}

// field is a string read but not yet made: text[start:end] goes to *dst.
type field struct {
	dst        *string
	start, end int32
}

// flushAt is how much text the decoder gathers before making it a string.
const flushAt = 64 << 10

// record starts reading one stored record with the given id.
func (d *decoder) record(b []byte, id *string, idValue []byte) {
	d.b, d.err = b, nil
	if len(b) == 0 || b[0] < 1 || b[0] > recordFormat {
		d.fail("unknown record format")
		return
	}
	d.format, d.b = b[0], b[1:]
	if len(idValue) > 0 {
		d.idRefs = append(d.idRefs, field{id, int32(len(d.ids)), int32(len(d.ids) + len(idValue))})
		d.ids = append(d.ids, idValue...)
	}
	if d.format == 1 {
		d.skipStr() // the first form kept the id in the record as well
	}
}

// end checks that the whole record was read.
func (d *decoder) end() error {
	if d.err == nil && len(d.b) != 0 {
		d.fail("trailing bytes")
	}
	if len(d.text) >= flushAt || len(d.ids) >= flushAt {
		d.flush()
	}
	return d.err
}

// flush makes the gathered strings and hands them to their fields.
func (d *decoder) flush() {
	for _, part := range []struct {
		text   *[]byte
		fields *[]field
	}{{&d.text, &d.fields}, {&d.ids, &d.idRefs}} {
		s := string(*part.text)
		for _, f := range *part.fields {
			*f.dst = s[f.start:f.end]
		}
		*part.text, *part.fields = (*part.text)[:0], (*part.fields)[:0]
	}
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrStoredState, what)
	}
}

func (d *decoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	n, k := binary.Uvarint(d.b)
	if k <= 0 {
		d.fail("bad number")
		return 0
	}
	d.b = d.b[k:]
	return n
}

func (d *decoder) int() int64 {
	if d.err != nil {
		return 0
	}
	n, k := binary.Varint(d.b)
	if k <= 0 {
		d.fail("bad number")
		return 0
	}
	d.b = d.b[k:]
	return n
}

// count reads a list length, bounded by the bytes left (every element takes at least one).
func (d *decoder) count() int {
	n := d.uint()
	if n > uint64(len(d.b)) {
		d.fail("list longer than the record")
		return 0
	}
	return int(n)
}

// take returns the next n bytes of the record.
func (d *decoder) take(n uint64, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.fail(what + " longer than the record")
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

// str reads a string into *dst (at the next flush).
func (d *decoder) str(dst *string) {
	n := d.uint()
	uuid := false
	if d.format != 1 {
		n, uuid = n>>1, n&1 == 1
	}
	start := len(d.text)
	d.text = append(d.text, d.take(n, "string")...)
	if uuid {
		if u := d.take(16, "id"); u != nil {
			d.text = uuidtext.Append(d.text, u)
		}
	}
	if d.err != nil || len(d.text) == start {
		d.text = d.text[:start]
		return
	}
	d.fields = append(d.fields, field{dst, int32(start), int32(len(d.text))})
}

// skipStr passes over a string of the first form.
func (d *decoder) skipStr() { d.take(d.uint(), "string") }

func (d *decoder) bool() bool {
	if d.err != nil {
		return false
	}
	if len(d.b) == 0 || d.b[0] > 1 {
		d.fail("bad flag")
		return false
	}
	v := d.b[0] == 1
	d.b = d.b[1:]
	return v
}

func (d *decoder) date() reconcile.Date {
	if d.format == 1 {
		return d.dateV1()
	}
	n := d.uint()
	if n == 0 || d.err != nil {
		return reconcile.Date{}
	}
	z := int64((n-1)>>1) ^ -int64((n-1)&1)
	if z < -maxDays || z > maxDays {
		d.fail("bad date")
		return reconcile.Date{}
	}
	y, m, day := civilFromDays(z)
	return reconcile.NewDate(int(y), time.Month(m), int(day))
}

func (d *decoder) dateV1() reconcile.Date {
	switch d.uint() {
	case 0:
		return reconcile.Date{}
	case 1:
	default:
		d.fail("bad date")
		return reconcile.Date{}
	}
	y, m, day := d.int(), d.uint(), d.uint()
	if d.err != nil {
		return reconcile.Date{}
	}
	if y < math.MinInt32 || y > math.MaxInt32 || m < 1 || m > 12 || day < 1 || day > 31 {
		d.fail("bad date")
		return reconcile.Date{}
	}
	date := reconcile.NewDate(int(y), time.Month(m), int(day))
	if !date.Valid() {
		d.fail("bad date")
	}
	return date
}

func (d *decoder) strs() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		d.str(&out[i])
	}
	return out
}

func (r *orgRec) encode() []byte {
	e := newEncoder()
	for _, s := range []string{r.Name, r.Type, r.Parent, r.SchoolUnitCode, r.OrgCode, r.MunicipalityCode} {
		e.str(s)
	}
	e.strs(r.SchoolTypes)
	e.date(r.Start)
	e.date(r.End)
	return e.b
}

func (r *orgRec) decode(d *decoder) {
	for _, s := range []*string{&r.Name, &r.Type, &r.Parent, &r.SchoolUnitCode, &r.OrgCode, &r.MunicipalityCode} {
		d.str(s)
	}
	r.SchoolTypes = d.strs()
	r.Start, r.End = d.date(), d.date()
}

func (r *personRec) encode() []byte {
	e := newEncoder()
	for _, s := range []string{r.Given, r.Middle, r.Family, r.CivicNo} {
		e.str(s)
	}
	e.date(r.Birth)
	e.bool(r.Protected)
	e.uint(uint64(len(r.Emails)))
	for _, m := range r.Emails {
		e.str(m.Type)
		e.str(m.Value)
	}
	e.strs(r.EPPNs)
	e.uint(uint64(len(r.Enrolments)))
	for _, x := range r.Enrolments {
		e.str(x.Unit)
		e.str(x.SchoolType)
		e.int(int64(x.Year))
		e.bool(x.Cancelled)
		e.date(x.Start)
		e.date(x.End)
	}
	e.uint(uint64(len(r.Responsibles)))
	for _, x := range r.Responsibles {
		e.str(x.Person)
		e.str(x.Relation)
	}
	return e.b
}

func (r *personRec) decode(d *decoder) {
	for _, s := range []*string{&r.Given, &r.Middle, &r.Family, &r.CivicNo} {
		d.str(s)
	}
	r.Birth = d.date()
	r.Protected = d.bool()
	if n := d.count(); n > 0 {
		r.Emails = make([]emailRec, n)
		for i := range r.Emails {
			d.str(&r.Emails[i].Type)
			d.str(&r.Emails[i].Value)
		}
	}
	r.EPPNs = d.strs()
	if n := d.count(); n > 0 {
		r.Enrolments = make([]enrolRec, n)
		for i := range r.Enrolments {
			x := &r.Enrolments[i]
			d.str(&x.Unit)
			d.str(&x.SchoolType)
			year := d.int()
			if year < math.MinInt32 || year > math.MaxInt32 {
				d.fail("bad school year")
			}
			x.Year = int(year)
			x.Cancelled = d.bool()
			x.Start, x.End = d.date(), d.date()
		}
	}
	if n := d.count(); n > 0 {
		r.Responsibles = make([]respRec, n)
		for i := range r.Responsibles {
			d.str(&r.Responsibles[i].Person)
			d.str(&r.Responsibles[i].Relation)
		}
	}
}

func (r *groupRec) encode() []byte {
	e := newEncoder()
	for _, s := range []string{r.Name, r.Type, r.Org, r.SchoolType} {
		e.str(s)
	}
	e.date(r.Start)
	e.date(r.End)
	e.uint(uint64(len(r.Members)))
	for _, m := range r.Members {
		e.str(m.Person)
		e.date(m.Start)
		e.date(m.End)
	}
	return e.b
}

func (r *groupRec) decode(d *decoder) {
	for _, s := range []*string{&r.Name, &r.Type, &r.Org, &r.SchoolType} {
		d.str(s)
	}
	r.Start, r.End = d.date(), d.date()
	if n := d.count(); n > 0 {
		r.Members = make([]memberRec, n)
		for i := range r.Members {
			m := &r.Members[i]
			d.str(&m.Person)
			m.Start, m.End = d.date(), d.date()
		}
	}
}

func (r *dutyRec) encode() []byte {
	e := newEncoder()
	for _, s := range []string{r.Person, r.Unit, r.Role} {
		e.str(s)
	}
	e.date(r.Start)
	e.date(r.End)
	e.uint(uint64(len(r.Assignments)))
	for _, a := range r.Assignments {
		e.str(a.Group)
		e.str(a.Role)
		e.date(a.Start)
		e.date(a.End)
	}
	return e.b
}

func (r *dutyRec) decode(d *decoder) {
	for _, s := range []*string{&r.Person, &r.Unit, &r.Role} {
		d.str(s)
	}
	r.Start, r.End = d.date(), d.date()
	if n := d.count(); n > 0 {
		r.Assignments = make([]assignRec, n)
		for i := range r.Assignments {
			a := &r.Assignments[i]
			d.str(&a.Group)
			d.str(&a.Role)
			a.Start, a.End = d.date(), d.date()
		}
	}
}

func (r *activityRec) encode() []byte {
	e := newEncoder()
	e.strs(r.Groups)
	e.uint(uint64(len(r.Teachers)))
	for _, t := range r.Teachers {
		e.str(t.Duty)
		e.date(t.Start)
		e.date(t.End)
	}
	e.date(r.Start)
	e.date(r.End)
	return e.b
}

func (r *activityRec) decode(d *decoder) {
	r.Groups = d.strs()
	if n := d.count(); n > 0 {
		r.Teachers = make([]teacherRec, n)
		for i := range r.Teachers {
			t := &r.Teachers[i]
			d.str(&t.Duty)
			t.Start, t.End = d.date(), d.date()
		}
	}
	r.Start, r.End = d.date(), d.date()
}
