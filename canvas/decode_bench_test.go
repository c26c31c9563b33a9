package canvas_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/canvas/canvastest"
	"github.com/edusync/edusync/internal/jsonx"
)

// BenchmarkDecodeEnrollments decodes one page of 100 of the fake's enrolments into
// []canvas.Enrollment with the decoders a client could use, reporting records/s: canvas is the
// client's own page decoder (record by record from a reader, as the iterators decode, with
// go-json-experiment/json matching names exactly), exact is the same library decoding the whole
// page at once, jsonx that library under encoding/json's own rules (internal/jsonx),
// encoding/json the standard library; canvas-vs-encoding-json reports canvas's speed as a
// multiple of encoding/json's, both measured in the same iterations (goal >= 2.6). Run with
// -cpu 1 for the one-core figures quoted in BENCHMARKS.md and canvas/decode.go.
func BenchmarkDecodeEnrollments(b *testing.B) {
	srv := canvastest.NewServer(canvastest.WithoutThrottle())
	defer srv.Close()
	srv.SeedEnrollments(canvastest.EnrollmentSeed{CourseSISID: "BENCH", Students: 100})
	req, err := http.NewRequest(http.MethodGet, srv.URL()+"/courses/sis_course_id:BENCH/enrollments?per_page=100", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d: %v", resp.StatusCode, err)
	}
	exact := jsonv2.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	client, err := canvas.New(srv.URL())
	if err != nil {
		b.Fatal(err)
	}
	decoders := []struct {
		name      string
		unmarshal func([]byte, any) error
	}{
		{"canvas", func(d []byte, v any) (err error) {
			*v.(*[]canvas.Enrollment), err = canvas.DecodeEnrollmentsPage(client, d)
			return err
		}},
		{"exact", func(d []byte, v any) error { return jsonv2.Unmarshal(d, v, exact) }},
		{"jsonx", jsonx.Unmarshal},
		{"encoding-json", json.Unmarshal},
	}
	decode := func(b *testing.B, unmarshal func([]byte, any) error) {
		var out []canvas.Enrollment
		if err := unmarshal(page, &out); err != nil || len(out) != 100 {
			b.Fatalf("%d records: %v", len(out), err)
		}
	}
	for _, bc := range decoders {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				decode(b, bc.unmarshal)
			}
			b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
	// The goal compares canvas with encoding/json in the same run: each iteration decodes the
	// page with both, one after the other, so a busy machine slows both alike.
	b.Run("canvas-vs-encoding-json", func(b *testing.B) {
		var mine, std time.Duration
		for b.Loop() {
			start := time.Now()
			decode(b, decoders[0].unmarshal)
			mid := time.Now()
			decode(b, decoders[3].unmarshal)
			mine, std = mine+mid.Sub(start), std+time.Since(mid)
		}
		b.ReportMetric(float64(std)/float64(mine), "ratio")
	})
}
