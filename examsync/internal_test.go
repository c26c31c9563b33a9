package examsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/store"
)

func TestADownloadIsCutAtTheLimitEvenThroughIOCopy(t *testing.T) {
	b := &limitedBuffer{max: 10}
	_, err := io.Copy(b, strings.NewReader(strings.Repeat("x", 1<<20)))
	if !errors.Is(err, errTooLarge) || len(b.Bytes()) > 10 {
		t.Fatalf("io.Copy = %v with %d bytes kept, want errTooLarge and at most 10", err, len(b.Bytes()))
	}
	if !permanent(err) {
		t.Error("a document too large for FS is retried")
	}
}

func TestWhatIsRetriedAndWhatIsNot(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		permanent bool
	}{
		{"server error", &apierror.APIError{StatusCode: 503}, false},
		{"rate limited", &apierror.APIError{StatusCode: 429}, false},
		{"WISEflow: not graded yet", &apierror.APIError{StatusCode: 403, Code: "NOT_GRADED"}, false},
		{"forbidden", &apierror.APIError{StatusCode: 403}, true},
		{"not found", &apierror.APIError{StatusCode: 404}, true},
		{"the case", errCase, true},
		{"a lost connection", errors.New("connection reset"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := permanent(tt.err); got != tt.permanent {
				t.Errorf("permanent = %v, want %v", got, tt.permanent)
			}
		})
	}
}

func TestTheAuditKeepsNoIdentityNumber(t *testing.T) {
	e, err := auditEntry(AuditRecord{Kandidatnr: "01019912345", VurdID: "185_X_1_SKR_2026_VÅR", ErrorMessage: "fnr 01019912345\x1b[2J"})
	if err != nil {
		t.Fatal(err)
	}
	if s := string(e.value); strings.Contains(s, "01019912345") || strings.Contains(s, "\\u001b") || !strings.Contains(s, "185_X_1_SKR_2026_VÅR") {
		t.Errorf("audit entry: %s", s)
	}
}

// An institution running both exam systems has two tenants, whose records interleave in time:
// a limited query returns the oldest records of both, not the first tenant's.
func TestAuditWithALimitReturnsTheOldestOfEveryTenant(t *testing.T) {
	st := store.NewMemory()
	defer st.Close()
	ctx := context.Background()
	s := &Sync{cfg: Config{Store: st}, byOrg: map[string][]*tenantRun{}}
	base := time.Date(2026, 6, 22, 12, 0, 0, 0, time.UTC)
	for i, sys := range []string{"INSPERA", "WISEFLOW"} {
		tr := &tenantRun{s: s, state: store.Scope{Flow: stateFlow, Tenant: "185/" + sys}}
		s.byOrg["185"] = append(s.byOrg["185"], tr)
		for k := range 3 {
			// INSPERA's records at minutes 0, 2, 4; WISEFLOW's at 1, 3, 5.
			e, err := auditEntry(AuditRecord{Time: base.Add(time.Duration(2*k+i) * time.Minute), ExamSys: sys, Step: "step"})
			if err != nil {
				t.Fatal(err)
			}
			if err := st.Update(ctx, tr.state, func(tx store.Tx) error { return tx.SetValue(e.key, e.value) }); err != nil {
				t.Fatal(err)
			}
		}
	}
	recs, err := s.Audit(ctx, "185", AuditQuery{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, fmt.Sprintf("%s %d", r.ExamSys, r.Time.Sub(base)/time.Minute))
	}
	want := []string{"INSPERA 0", "WISEFLOW 1", "INSPERA 2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Audit with Limit 3 (-want +got):\n%s", diff)
	}
}
