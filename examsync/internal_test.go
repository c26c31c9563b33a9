package examsync

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/edusync/edusync/apierror"
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
