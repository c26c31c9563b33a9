package wiseflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/internal/apiclient"
)

var pageSeeds = []string{
	`{"success":true,"data":[{"flowId":1,"state":"CONCLUDED","purpose":"MASTER"},{"flowId":2,"state":4}],"error":null,"pagination":{"limit":100,"offset":0,"total":2}}`,
	`{"success":false,"data":null,"error":{"code":400,"message":"bad","errors":[{"reason":"r","message":"m"}]}}`,
	`{"data":[{"flowId":0},{"title":"no id"},{"flowId":"x"},{"flowId":3,"createdAt":"1e3"}]}`,
	`{"data":[{"flowId":1}],"data":[{"flowId":2}]}`,
	`[{"flowId":1}]`, `{"data":{}}`, `{"data":[1,2,3`, `{"pagination":` + string(bytes.Repeat([]byte(`[`), 500)),
	`{"data":[{"flowId":1,"participation":{"start":-1e300}}]}`,
}

// FuzzDecodePage feeds arbitrary answers to the page decoder with the flow search's shape:
// no panic, only typed errors, and no record without an id delivered, tolerant or strict.
func FuzzDecodePage(f *testing.F) {
	for _, s := range pageSeeds {
		f.Add([]byte(s))
	}
	tolerant, _ := New("http://127.0.0.1:1/v1", WithBearerToken("t"))
	strictC, _ := New("http://127.0.0.1:1/v1", WithBearerToken("t"), WithStrict())
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, c := range []*Client{tolerant, strictC} {
			shape := listShape(flowSummaryID)
			p, err := apiclient.DecodePage(c.core, bytes.NewReader(body), "/flows/search", &shape)
			if err != nil {
				var de *apierror.DecodeError
				if !errors.As(err, &de) {
					t.Fatalf("untyped error %T: %v", err, err)
				}
				continue
			}
			for _, it := range p.Items {
				if it.FlowID <= 0 {
					t.Fatalf("a record without an id was delivered: %+v", it)
				}
			}
			_ = c.verdict(&p.PageInfo, http.StatusOK)
			_, _ = total(&p.PageInfo)
		}
	})
}

// FuzzErrorBody feeds arbitrary error bodies to the error decoder and the classification.
func FuzzErrorBody(f *testing.F) {
	for _, s := range []string{
		`{"success":false,"data":null,"error":{"code":404,"message":"Flow not found","errors":[{"reason":"FLOW","message":"gone"}]}}`,
		`{"message":"No API key found in request"}`, `{"error":"invalid_client","error_description":"d"}`,
		`{"error":{"code":"403","errors":[{}, {"reason":1}]}}`, `Unauthorized`, `{"error":[]}`, `{"success":"no"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e := &APIError{StatusCode: 400, Body: string(body)}
		decodeError(e, body)
		err := classify(e)
		if !errors.Is(err, ErrBadRequest) {
			t.Fatalf("the classified error lost its status: %v", err)
		}
		var env *EnvelopeError
		if errors.As(err, &env) && len(env.Reasons) > maxReasons {
			t.Fatalf("%d reasons kept", len(env.Reasons))
		}
		_ = err.Error()
	})
}

// FuzzParseWebhookCall feeds arbitrary bodies to the webhook call decoder: a call or
// ErrBadWebhookCall, never a panic.
func FuzzParseWebhookCall(f *testing.F) {
	for _, s := range []string{
		`{"id":"c1","event":"FINAL_GRADE","sequenceNumber":7,"payload":{"flowId":13510,"participantId":16842}}`,
		`{"flowId":13510,"explanationRequestId":36,"participantId":16842,"assessorId":813879}`,
		`{"id":1e99,"data":{"flowId":"9"}}`, `{"payload":[]}`, `{"id":null}`, `[]`, `{"a":"\ud800"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		call, err := ParseWebhookCall(body)
		if err != nil {
			if !errors.Is(err, ErrBadWebhookCall) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if _, err := json.Marshal(call); err != nil {
			t.Fatalf("a parsed call does not encode: %v", err)
		}
	})
}

// FuzzVerifySignature checks arbitrary signature headers: only the body's true HMAC is
// accepted, in either encoding's scheme.
func FuzzVerifySignature(f *testing.F) {
	secret := []byte("fuzz-secret")
	body := []byte(`{"id":"x"}`)
	f.Add(DefaultSignature.Sign(secret, body), body)
	f.Add("sha256="+Signature{Encoding: SignatureHex}.Sign(secret, body), body)
	f.Add("", []byte{})
	f.Add("====", []byte("x"))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		for _, s := range []Signature{DefaultSignature, {Header: "X-Sig", Encoding: SignatureHex}} {
			h := http.Header{}
			h.Set(s.Header, header)
			err := s.Verify(secret, body, h)
			if err == nil {
				got, _ := s.decode(trimPrefix(h.Get(s.Header)))
				want, _ := s.decode(s.Sign(secret, body))
				if !bytes.Equal(got, want) {
					t.Fatalf("accepted a signature that is not the body's HMAC: %q", header)
				}
			} else if !errors.Is(err, ErrSignatureInvalid) && !errors.Is(err, ErrSignatureMissing) {
				t.Fatalf("untyped error: %v", err)
			}
			h.Set(s.Header, s.Sign(secret, body))
			if err := s.Verify(secret, body, h); err != nil {
				t.Fatalf("the true signature was refused: %v", err)
			}
		}
	})
}

func trimPrefix(v string) string {
	v = string(bytes.TrimSpace([]byte(v)))
	if len(v) > 7 && (v[:7] == "sha256=" || v[:7] == "SHA256=") {
		return v[7:]
	}
	return v
}

// FuzzModels decodes arbitrary JSON into the models with custom readers (enumerations, unix
// times, grades): no panic, and what was read encodes again.
func FuzzModels(f *testing.F) {
	for _, s := range []string{
		`{"id":1,"state":"ACTIVATED","type":"FLOWassign","variant":2,"purpose":"MASTER","creationDate":"1720364028"}`,
		`{"explanationId":1,"state":3,"requestDate":1720364028000}`, `{"grade":10.5}`, `{"state":99999999999}`,
		`{"date":1e19}`, `{"state":"\u0000"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var flow Flow
		var sum FlowSummary
		var ex ExplanationRequest
		var g GradeEntry
		var a Assessment
		for _, v := range []any{&flow, &sum, &ex, &g, &a} {
			if json.Unmarshal(b, v) == nil {
				if _, err := json.Marshal(v); err != nil {
					t.Fatalf("%T read but does not encode: %v", v, err)
				}
			}
		}
	})
}

// FuzzFSCode reads arbitrary source codes and vurdIds: what parses prints back to itself.
func FuzzFSCode(f *testing.F) {
	for _, s := range []string{"185||INF1000||1||SKR||2026||VÅR", "*||*||*||*||*||*", "a||b", "185_INF1000_1_SKR_2026_VÅR", "|||||||||||"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if c, err := ParseFSCode(s); err == nil {
			if back, err := ParseFSCode(c.String()); err != nil || back != c {
				t.Fatalf("%q -> %+v -> %q -> %+v %v", s, c, c.String(), back, err)
			}
		}
		if c, err := FSCodeFromVurdID(s); err == nil && c.VurdID() != s {
			t.Fatalf("%q -> %q", s, c.VurdID())
		}
		_ = checkSourceCode(s)
		if dec, err := DecodeSourceCodePath(EncodeSourceCodePath(s)); err == nil && dec != s {
			t.Fatalf("path encoding of %q gives %q", s, dec)
		}
	})
}
