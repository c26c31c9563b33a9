package wiseflow_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/wiseflow"
)

func TestEnumerationsReadNumbersAndNames(t *testing.T) {
	tests := []struct {
		in   string
		want wiseflow.FlowSummary
	}{
		{`{"flowId":1,"state":"ACTIVATED","type":"FLOWassign","variant":"REMARKING","purpose":"MASTER"}`,
			wiseflow.FlowSummary{FlowID: 1, State: wiseflow.FlowStateParticipationNotStarted, Type: wiseflow.FlowTypeAssign,
				Variant: wiseflow.FlowVariantRemarking, Purpose: wiseflow.FlowPurposeMaster}},
		{`{"flowId":1,"state":1,"type":2,"variant":2,"purpose":3}`,
			wiseflow.FlowSummary{FlowID: 1, State: wiseflow.FlowStateParticipationNotStarted, Type: wiseflow.FlowTypeAssign,
				Variant: wiseflow.FlowVariantRemarking, Purpose: wiseflow.FlowPurposeMaster}},
		{`{"flowId":1,"state":"participation_not_started","type":"FLOWASSIGN","variant":"2","purpose":"master"}`,
			wiseflow.FlowSummary{FlowID: 1, State: wiseflow.FlowStateParticipationNotStarted, Type: wiseflow.FlowTypeAssign,
				Variant: wiseflow.FlowVariantRemarking, Purpose: wiseflow.FlowPurposeMaster}},
		{`{"flowId":1,"state":"SUSPENDED","type":128,"variant":null,"purpose":"THESIS"}`,
			wiseflow.FlowSummary{FlowID: 1, State: wiseflow.FlowStateUnknown, Type: 128, Purpose: wiseflow.FlowPurposeUnknown}},
	}
	for _, tc := range tests {
		var got wiseflow.FlowSummary
		if err := json.Unmarshal([]byte(tc.in), &got); err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.in, diff)
		}
	}
	var s wiseflow.FlowState
	if err := json.Unmarshal([]byte(`true`), &s); err == nil {
		t.Error("a boolean state was read")
	}
	// The newer endpoints' models are written by name, the older ones' by number.
	b, _ := json.Marshal(wiseflow.FlowSummary{FlowID: 1, State: wiseflow.FlowStateConcluded, Purpose: wiseflow.FlowPurposeMaster})
	if want := `"purpose":"MASTER"`; !json.Valid(b) || !contains(string(b), want) || !contains(string(b), `"state":"CONCLUDED"`) {
		t.Errorf("FlowSummary JSON %s", b)
	}
	b, _ = json.Marshal(wiseflow.Flow{ID: 1, State: wiseflow.FlowStateConcluded})
	if !contains(string(b), `"state":4`) {
		t.Errorf("Flow JSON %s", b)
	}
	if wiseflow.FlowStateParticipationNotStarted.Name() != "ACTIVATED" || wiseflow.ExplanationStateAccepted.String() != "ACCEPTED" ||
		!wiseflow.ExplanationStateAccepted.Final() || wiseflow.FlowType(7).String() != "7" {
		t.Error("names")
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestUnixTimeAndGrades(t *testing.T) {
	var a wiseflow.Assessment
	must(t, json.Unmarshal([]byte(`{"id":null,"participantId":6,"grade":"B","date":1720364028,"exportDate":"1720709628","adminGradeDate":1720536828000}`), &a))
	if a.ID != nil || a.Date.Time() != time.Unix(1720364028, 0).UTC() || a.ExportDate != 1720709628 || a.AdminGradeDate != 1720536828 {
		t.Errorf("assessment = %+v", a)
	}
	var g wiseflow.GradeEntry
	must(t, json.Unmarshal([]byte(`{"grade":10,"date":"2024-09-01T22:45:36.000Z"}`), &g))
	if g.Grade != "10" {
		t.Errorf("numeric grade = %q", g.Grade)
	}
	for _, bad := range []string{`{"date":"soon"}`, `{"date":[1]}`, `{"date":1e400}`} {
		var x wiseflow.Assessment
		if err := json.Unmarshal([]byte(bad), &x); err == nil {
			t.Errorf("%s was read", bad)
		}
	}
	if wiseflow.UnixTimeOf(time.Time{}) != 0 || (wiseflow.UnixTime(0)).String() != "" {
		t.Error("the zero time")
	}
}

func TestFSCodes(t *testing.T) {
	c, err := wiseflow.FSCodeFromVurdID("185_INF1000_1_SKR_2026_VÅR")
	must(t, err)
	want := wiseflow.FSCode{Institution: "185", CourseCode: "INF1000", Version: "1", AssessmentCode: "SKR", Year: "2026", Term: "VÅR"}
	if c != want || c.String() != "185||INF1000||1||SKR||2026||VÅR" || c.VurdID() != "185_INF1000_1_SKR_2026_VÅR" {
		t.Errorf("code = %+v %q", c, c.String())
	}
	back, err := wiseflow.ParseFSCode(c.String())
	must(t, err)
	if back != c {
		t.Errorf("parsed back %+v", back)
	}
	partial := wiseflow.FSCode{CourseCode: "INF1000", Year: "2026"}
	if partial.String() != "*||INF1000||*||*||2026||*" {
		t.Errorf("wildcards: %q", partial.String())
	}
	if p, err := wiseflow.ParseFSCode(partial.String()); err != nil || p != partial {
		t.Errorf("wildcards back: %+v %v", p, err)
	}
	if got := wiseflow.FSCodeFromTerm(wiseflow.FSCode{CourseCode: "X"}, "2026 HØST"); got.Year != "2026" || got.Term != "HØST" {
		t.Errorf("from tid: %+v", got)
	}
	enc := wiseflow.EncodeSourceCodePath(c.String())
	if dec, err := wiseflow.DecodeSourceCodePath(enc); err != nil || dec != c.String() {
		t.Errorf("path encoding %q: %q %v", enc, dec, err)
	}
	for _, bad := range []string{"185_INF1000_1_SKR_2026", "a_b_c_d_e_f_g", "185_INF|1000_1_SKR_2026_VÅR", "185_INF*_1_SKR_2026_VÅR", "\xff_a_b_c_d_e"} {
		if _, err := wiseflow.FSCodeFromVurdID(bad); !errors.Is(err, wiseflow.ErrBadSourceCode) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, err := wiseflow.ParseFSCode("a||b"); !errors.Is(err, wiseflow.ErrBadSourceCode) {
		t.Errorf("two parts: %v", err)
	}
}

func TestSignatures(t *testing.T) {
	secret, body := []byte("shh-a-secret"), []byte(`{"id":"1","event":"FINAL_GRADE"}`)
	hexScheme := wiseflow.Signature{Header: "X-Signature", Encoding: wiseflow.SignatureHex}
	sign := func(s wiseflow.Signature, v string) http.Header {
		h := http.Header{}
		h.Set(s.Header, v)
		return h
	}
	tests := []struct {
		name   string
		scheme wiseflow.Signature
		header http.Header
		secret []byte
		body   []byte
		want   error
	}{
		{"base64", wiseflow.DefaultSignature, sign(wiseflow.DefaultSignature, wiseflow.DefaultSignature.Sign(secret, body)), secret, body, nil},
		{"base64 with prefix", wiseflow.DefaultSignature, sign(wiseflow.DefaultSignature, "sha256="+wiseflow.DefaultSignature.Sign(secret, body)), secret, body, nil},
		{"hex", hexScheme, sign(hexScheme, hexScheme.Sign(secret, body)), secret, body, nil},
		{"hex expected, base64 sent", hexScheme, sign(hexScheme, wiseflow.DefaultSignature.Sign(secret, body)), secret, body, wiseflow.ErrSignatureInvalid},
		{"other header", wiseflow.DefaultSignature, sign(hexScheme, wiseflow.DefaultSignature.Sign(secret, body)), secret, body, wiseflow.ErrSignatureMissing},
		{"wrong secret", wiseflow.DefaultSignature, sign(wiseflow.DefaultSignature, wiseflow.DefaultSignature.Sign([]byte("other"), body)), secret, body, wiseflow.ErrSignatureInvalid},
		{"body changed", wiseflow.DefaultSignature, sign(wiseflow.DefaultSignature, wiseflow.DefaultSignature.Sign(secret, body)), secret, append([]byte(" "), body...), wiseflow.ErrSignatureInvalid},
		{"empty secret", wiseflow.DefaultSignature, sign(wiseflow.DefaultSignature, wiseflow.DefaultSignature.Sign(nil, body)), nil, body, wiseflow.ErrSignatureInvalid},
		{"garbage", wiseflow.DefaultSignature, sign(wiseflow.DefaultSignature, "!!!"), secret, body, wiseflow.ErrSignatureInvalid},
	}
	for _, tc := range tests {
		if err := tc.scheme.Verify(tc.secret, tc.body, tc.header); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestParseWebhookCall(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want wiseflow.WebhookCall
	}{
		{"nested payload", `{"id":"c1","event":"FINAL_GRADE","sequenceNumber":7,"callTime":"2026-06-01T10:00:00Z","licenseId":4711,"payload":{"flowId":13510,"participantId":16842}}`,
			wiseflow.WebhookCall{ID: "c1", Event: "FINAL_GRADE", SequenceNumber: 7, CallTime: "2026-06-01T10:00:00Z", LicenseID: 4711,
				Payload: wiseflow.WebhookPayload{FlowID: 13510, ParticipantID: 16842}}},
		{"flat grade justification", `{"flowId":13510,"explanationRequestId":36,"participantId":16842,"assessorId":813879,"callId":99,"eventName":"grade.justification"}`,
			wiseflow.WebhookCall{ID: "99", Event: "grade.justification",
				Payload: wiseflow.WebhookPayload{FlowID: 13510, ExplanationRequestID: 36, ParticipantID: 16842, AssessorID: 813879}}},
		{"data member", `{"uuid":"u","type":"PAPER_SUBMITTED","data":{"flowId":"5","submissionId":6}}`,
			wiseflow.WebhookCall{ID: "u", Event: "PAPER_SUBMITTED", Payload: wiseflow.WebhookPayload{FlowID: 5, SubmissionID: 6}}},
	}
	for _, tc := range tests {
		got, err := wiseflow.ParseWebhookCall([]byte(tc.in))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	for _, bad := range []string{``, `[]`, `null`, `{"id":{}}`, `{"payload":{"flowId":"x"}}`, `{"id":"a"} {}`, `{"payload":{"flowId":1.5}}`} {
		if _, err := wiseflow.ParseWebhookCall([]byte(bad)); !errors.Is(err, wiseflow.ErrBadWebhookCall) {
			t.Errorf("%q: %v, want ErrBadWebhookCall", bad, err)
		}
	}
}
