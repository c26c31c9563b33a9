package ss12000sync

import (
	"errors"
	"reflect"
	"testing"

	"github.com/edusync/edusync/reconcile"
)

// FuzzDecodeRecords feeds stored values to every record decoder: a damaged value must be an
// ErrStoredState, never a panic, and what decodes must survive encoding and decoding again.
func FuzzDecodeRecords(f *testing.F) {
	d := reconcile.NewDate(2025, 8, 18)
	f.Add((&personRec{ID: "p1", Given: "Åsa", Family: "Öberg", Birth: d, Protected: true,
		Emails: []emailRec{{"Skola elev", "a@b.se"}}, EPPNs: []string{"a@b.se"},
		Enrolments: []enrolRec{{Unit: "su", SchoolType: "GR", Year: 7, Start: d}}, Responsibles: []respRec{{"p2", "Vårdnadshavare"}}}).encode())
	f.Add((&groupRec{ID: "g1", Name: "7A", Members: []memberRec{{Person: "p1", Start: d}}}).encode())
	f.Add((&dutyRec{ID: "d1", Person: "p1", Assignments: []assignRec{{Group: "g1", Role: "Mentor", End: d}}}).encode())
	f.Add((&activityRec{ID: "a1", Groups: []string{"g1"}, Teachers: []teacherRec{{Duty: "d1"}}}).encode())
	f.Add((&orgRec{ID: "o1", SchoolTypes: []string{"GR", "GY"}, End: d}).encode())
	// Records of the first form, as stores kept since then hold them.
	for _, r := range codecDataset().persons {
		f.Add(firstFormOf(r))
	}
	for _, r := range codecDataset().groups {
		f.Add(firstFormOf(r))
	}
	f.Add([]byte{recordFormat, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		check[personRec](t, b)
		check[groupRec](t, b)
		check[dutyRec](t, b)
		check[activityRec](t, b)
		check[orgRec](t, b)
	})
}

type codecRecord[T any] interface {
	decodable[T]
	encode() []byte
}

func check[T any, R codecRecord[T]](t *testing.T, b []byte) {
	t.Helper()
	var d decoder
	r := R(new(T))
	err := decodeRecord(&d, r, []byte("id-1"), b)
	d.flush()
	if err != nil {
		if !errors.Is(err, ErrStoredState) {
			t.Fatalf("%T: untyped error %v", r, err)
		}
		return
	}
	again := R(new(T))
	err = decodeRecord(&d, again, []byte("id-1"), r.encode())
	d.flush()
	if err != nil {
		t.Fatalf("%T: re-encoded record does not decode: %v", r, err)
	}
	if !reflect.DeepEqual(r, again) {
		t.Fatalf("%T changed by encoding: %+v, then %+v", r, r, again)
	}
}
