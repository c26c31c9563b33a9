package fspoll_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fspoll"
)

// FuzzDecode feeds Decode any payload: it returns a Change whose kind matches its one record,
// or ErrPayload, and never panics.
func FuzzDecode(f *testing.F) {
	good, _ := json.Marshal(fspoll.Change{Kind: fspoll.KindAppeal, System: fs.Inspera, Key: "appeal/1",
		Appeal: &fs.Appeal{VurdID: "999_INF1000_1_SKR_2026_VÅR", Kandidatnr: "10001", Klagestatus: fs.AppealActive}})
	for _, s := range []string{string(good), `{}`, `null`, `[]`, `{"kind":"appeal"}`,
		`{"kind":"appeal","examSystem":"INSPERA","key":"k","appeal":{},"explanationRequest":{}}`,
		`{"kind":"explanation-request","examSystem":"WISEFLOW","key":"k","explanationRequest":{"kandidatnr":12,"sistEndret":1750000000000}}`,
		`{"kind":"appeal","examSystem":"INSPERA","key":"k","appeal":{"kandidatnr":1e400}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		c, err := fspoll.Decode(payload)
		if err != nil {
			if !errors.Is(err, fspoll.ErrPayload) {
				t.Fatalf("error %v is not ErrPayload", err)
			}
			return
		}
		if (c.Kind == fspoll.KindAppeal) != (c.Appeal != nil) || (c.Kind == fspoll.KindExplanationRequest) != (c.ExplanationRequest != nil) {
			t.Fatalf("kind %s with appeal %v, request %v", c.Kind, c.Appeal != nil, c.ExplanationRequest != nil)
		}
		_ = c.OrderKey()
	})
}
