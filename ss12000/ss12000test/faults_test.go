package ss12000test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/ss12000"
)

// faultClient does not reuse connections, so the transport never repeats a request on its own
// after a dropped connection.
func faultClient(t *testing.T, s *Server) *client {
	c := newClient(t, s)
	c.hc = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	return c
}

// absenceBody is an absence of the sample school's first student.
var absenceBody = `{"student":{"id":"` + sampleID("student/0") + `"},"type":"Anmäld frånvaro","startTime":"2026-03-02T08:00:00Z","endTime":"2026-03-02T09:00:00Z"}`

func TestFaultKinds(t *testing.T) {
	s := NewServer(WithDataset(SampleSchool()))
	defer s.Close()
	c := faultClient(t, s)

	t.Run("server errors", func(t *testing.T) {
		c.t = t
		s.SetFaults(Faults{ErrorRate: 1})
		var got []int
		for range 4 {
			a := c.do("GET", "/persons", nil, nil)
			a.errBody(t)
			got = append(got, a.status)
		}
		if d := cmp.Diff([]int{502, 503, 504, 502}, got); d != "" {
			t.Errorf("statuses (-want +got):\n%s", d)
		}
		if a := c.do("POST", "/absences", nil, absenceBody); a.status < 500 {
			t.Errorf("write: %d", a.status)
		}
		if n := Count[ss12000.Absence](s); n != 0 {
			t.Errorf("a refused write was carried out (%d absences)", n)
		}
		s.SetFaults(Faults{ErrorRate: 1, ErrorStatuses: []int{500}})
		if a := c.do("GET", "/persons", nil, nil); a.status != 500 {
			t.Errorf("custom status: %d", a.status)
		}
	})
	t.Run("rate limit", func(t *testing.T) {
		c.t = t
		s.SetFaults(Faults{RateLimitRate: 1, RetryAfter: 1500 * time.Millisecond})
		a := c.do("GET", "/groups", nil, nil)
		if a.status != 429 || a.header.Get("Retry-After") != "2" || a.errBody(t).Code != "rate_limited" {
			t.Errorf("429: %d Retry-After %q", a.status, a.header.Get("Retry-After"))
		}
		s.SetFaults(Faults{RateLimitRate: 1})
		if a := c.do("GET", "/groups", nil, nil); a.status != 429 || a.header.Get("Retry-After") != "" {
			t.Errorf("429 without Retry-After: %d %q", a.status, a.header.Get("Retry-After"))
		}
	})
	t.Run("latency", func(t *testing.T) {
		c.t = t
		s.SetFaults(Faults{Latency: 80 * time.Millisecond})
		start := time.Now()
		c.get("/organisations", nil, 200, nil)
		if d := time.Since(start); d < 80*time.Millisecond {
			t.Errorf("answered after %v", d)
		}
	})
	t.Run("dropped connections", func(t *testing.T) {
		c.t = t
		s.SetFaults(Faults{DropRate: 1})
		if _, err := c.try("GET", "/persons", nil, nil); err == nil {
			t.Error("GET answered")
		}
		if _, err := c.try("POST", "/absences", nil, absenceBody); err == nil {
			t.Error("POST answered")
		}
		if n := Count[ss12000.Absence](s); n != 0 {
			t.Errorf("a dropped write was carried out (%d absences)", n)
		}
	})
	t.Run("write applied, answer dropped", func(t *testing.T) {
		c.t = t
		s.SetFaults(Faults{DropAfterWriteRate: 1})
		if _, err := c.try("POST", "/absences", nil, absenceBody); err == nil {
			t.Error("POST answered")
		}
		if n := Count[ss12000.Absence](s); n != 1 {
			t.Errorf("%d absences, want the write carried out", n)
		}
		if _, err := c.try("POST", "/log/", nil, `{"message":"m","severityLevel":"Info"}`); err == nil {
			t.Error("log entry answered")
		}
		if n := len(s.LogEntries()); n != 1 {
			t.Errorf("%d log entries", n)
		}
		// Reads and lookups are not writes.
		c.get("/persons", vals("limit", "1"), 200, nil)
		c.post("/persons/lookup", nil, `{"ids":["x"]}`, 200, nil)
	})
	t.Run("only some operations", func(t *testing.T) {
		c.t = t
		s.SetFaults(Faults{ErrorRate: 1, Operations: []string{"listPersons"}})
		if a := c.do("GET", "/persons", nil, nil); a.status < 500 {
			t.Errorf("listPersons: %d", a.status)
		}
		c.get("/persons/elev-1042", nil, 200, nil)
		c.get("/groups", nil, 200, nil)
	})
	t.Run("after auth", func(t *testing.T) {
		c.t = t
		s.SetFaults(Faults{ErrorRate: 1})
		c.token = "wrong"
		if a := c.do("GET", "/persons", nil, nil); a.status != 401 {
			t.Errorf("unauthenticated request: %d", a.status)
		}
		c.token = s.Token()
		id, secret := s.ClientCredentials()
		resp, err := http.PostForm(s.TokenURL(), map[string][]string{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("token endpoint under faults: %d", resp.StatusCode)
		}
	})
	t.Run("off", func(t *testing.T) {
		c.t = t
		s.SetFaults(Faults{})
		c.get("/persons", nil, 200, nil)
	})
	inj := s.Stats().Faults
	if inj["listPersons"] == 0 || inj["createAbsence"] == 0 || inj["getPerson"] != 0 {
		t.Errorf("FaultsInjected %v", inj)
	}
}

// TestFaultsDeterministic: the same seed fails the same requests, a different one others.
func TestFaultsDeterministic(t *testing.T) {
	run := func(seed uint64) []int {
		s := NewServer(WithDataset(SampleSchool()), WithFaults(Faults{Seed: seed, ErrorRate: 0.2, RateLimitRate: 0.1, DropRate: 0.1}))
		defer s.Close()
		c := faultClient(t, s)
		var out []int
		for range 60 {
			a, err := c.try("GET", "/organisations", nil, nil)
			if err != nil {
				out = append(out, -1)
				continue
			}
			out = append(out, a.status)
		}
		return out
	}
	a, b, other := run(7), run(7), run(8)
	if d := cmp.Diff(a, b); d != "" {
		t.Errorf("same seed, different faults:\n%s", d)
	}
	if cmp.Equal(a, other) {
		t.Error("different seeds, same faults")
	}
	counts := map[int]int{}
	for _, st := range a {
		counts[st]++
	}
	if counts[200] < 20 || counts[200] > 55 || counts[-1] == 0 || counts[429] == 0 || counts[502]+counts[503]+counts[504] == 0 {
		t.Errorf("outcome counts %v do not fit the rates", counts)
	}
	// SetFaults restarts the sequence from the seed.
	s := NewServer(WithDataset(SampleSchool()))
	defer s.Close()
	c := faultClient(t, s)
	seq := func() []int {
		s.SetFaults(Faults{Seed: 3, ErrorRate: 0.5})
		var out []int
		for range 20 {
			out = append(out, c.do("GET", "/organisations", nil, nil).status)
		}
		return out
	}
	if d := cmp.Diff(seq(), seq()); d != "" {
		t.Errorf("SetFaults does not restart the sequence:\n%s", d)
	}
}
