package insperahook

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzParseEvent feeds delivery bodies to the parser: no panic; an event read has a name, a
// stable key, and survives the queue (Decode of its JSON gives it back).
func FuzzParseEvent(f *testing.F) {
	for _, seed := range []string{
		`{"eventName":"confirm_final_grades","contextObjectId":35199862,"contextObjectType":"ASSESSMENT_RUN","timestamp":"2026-06-20T10:15:00Z"}`,
		`{contextObjectId=35199862, event=confirm_final_grades, timestamp=2018-10-04T16:47:55Z}`,
		`{"event":"x","contextObjectId":"1","timestamp":1718000000000}`, `{}`, ``, `{ }`, `{=}`, `{"eventName":null}`,
		`{"eventName":"a","eventName":"b"}`, `{"eventName":["a"]}`, `[{"eventName":"a"}]`, `{"eventName":"a"} {}`,
		`{"eventName":"\u0000","contextObjectId":1e999}`, `{a=b=c, event=x}`, `{ event = x }`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ParseEvent(body)
		if err != nil {
			return
		}
		if ev.Name == "" {
			t.Fatal("an event without a name")
		}
		if k := ev.Key(); k != ev.Key() || !strings.HasPrefix(k, "inspera:") {
			t.Fatal("unstable key")
		}
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Decode(b)
		if err != nil || back.Key() != ev.Key() {
			t.Fatalf("the queued event does not read back: %v %q != %q", err, back.Key(), ev.Key())
		}
		_ = ev.TestID()
		_ = ev.UserID()
	})
}

// FuzzVerify checks the signature check on any body and header: no panic, a body's own
// signature verifies, the same signature over any other body does not.
func FuzzVerify(f *testing.F) {
	f.Add([]byte(`{"eventName":"x"}`), "secret", "00")
	f.Add([]byte{}, "k", "sha1=ABCDEF")
	f.Fuzz(func(t *testing.T, body []byte, secret, header string) {
		secrets := []Secret{{Name: "s", Value: secret}}
		_, _ = Verify(body, header, secrets...)
		if secret == "" {
			return
		}
		sig := Sign(secret, body)
		if _, ok := Verify(body, sig, secrets...); !ok {
			t.Fatal("a body's own signature failed")
		}
		if _, ok := Verify(append(body, 'x'), sig, secrets...); ok {
			t.Fatal("a changed body verified")
		}
	})
}
