package ladokcanvas_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/canvas/canvastest"
	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladoktest"
	"github.com/edusync/edusync/ladokcanvas"
	"github.com/edusync/edusync/store/sqlite"
)

// The kill tests run the adapter as a real process that is SIGKILLed: this test binary run
// again (TestKillChild), on an SQLite file, against Ladok and Canvas fakes that live in the
// parent. The parent sees every Canvas request through a proxy, kills the child at chosen
// requests (before the request reaches Canvas, or after Canvas carried it out but before the
// answer), and starts a new child until one reaches the end of the feed. It then compares
// with an uninterrupted child over the same feed: the same Canvas in the end, few requests
// more, no name written back to an older value, no enrolment created twice.

const killEnv = "LADOKCANVAS_KILL_CHILD" // JSON killChildConfig; set in the child only

// canvasBase is the API's path under the fake's root, which the proxy serves too.
const canvasBase = "/api/v1"

// killChildConfig is what a child needs to reach the parent's fakes.
type killChildConfig struct {
	LadokURL, LadokPEM   string
	CanvasURL, Token, DB string
	Now                  time.Time
}

// TestKillChild is the adapter process of TestKillRestart and BenchmarkKillRestart: it catches
// up to the end of the feed and exits, and reports how many events it was handed on stdout
// as it goes ("events N"), so that the parent knows what a killed child did.
func TestKillChild(t *testing.T) {
	raw := os.Getenv(killEnv)
	if raw == "" {
		t.Skip("the child process of the kill tests")
	}
	var cfg killChildConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, cfg.DB, sqlite.WithSynchronous(sqlite.SyncNormal))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cred, err := ladok.LoadPEM(cfg.LadokPEM)
	if err != nil {
		t.Fatal(err)
	}
	lc, err := ladok.New(cfg.LadokURL, ladok.WithCredentials(cred),
		ladok.WithRetry(ladok.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	cc, err := canvas.New(cfg.CanvasURL, canvas.WithBearerToken(cfg.Token), fastCanvasRetry())
	if err != nil {
		t.Fatal(err)
	}
	ad, err := ladokcanvas.New(ctx, lc, cc, st, termConfig(), ladokcanvas.WithClock(func() time.Time { return cfg.Now }),
		ladokcanvas.WithTenant("uni"), ladokcanvas.WithRetryBackoff(time.Millisecond, 5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer ad.Close()
	stop := make(chan struct{})
	reported := make(chan struct{})
	go func() { // unbuffered writes: what reached the pipe before the kill reaches the parent
		defer close(reported)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		last := int64(-1)
		for {
			select {
			case <-stop:
				fmt.Fprintf(os.Stdout, "events %d\n", ad.Stats().Events)
				return
			case <-tick.C:
				if n := ad.Stats().Events; n != last {
					fmt.Fprintf(os.Stdout, "events %d\n", n)
					last = n
				}
			}
		}
	}()
	for attempt := 0; ; attempt++ {
		_, err := ad.CatchUp(ctx)
		if err == nil {
			break
		}
		if attempt > 100 {
			t.Fatalf("CatchUp: %v", err)
		}
	}
	close(stop)
	<-reported
	if n := ad.Stats().DeadLettered; n != 0 {
		t.Errorf("%d events dead-lettered", n)
	}
}

// killRun is one run of children over one SQLite file, one Ladok fake and one Canvas fake.
type killRun struct {
	t     testing.TB
	sc    *scenario
	lad   *ladoktest.Server
	cv    *canvastest.Server
	proxy *httptest.Server
	dir   string
	pem   string

	requests atomic.Int64

	mu        sync.Mutex
	stops     []int64 // kill the child at these Canvas requests
	after     []bool  // after Canvas carried the request out, rather than before
	cmd       *exec.Cmd
	killed    bool // the current child was killed
	kills     int
	names     map[string][]string // student UID -> the names written to their Canvas user, in order
	events    int64               // events handed to the adapter, over every child
	childLast int64               // the current child's last report
}

func newKillRun(t testing.TB, sc *scenario) *killRun {
	k := &killRun{t: t, sc: sc, dir: t.TempDir(), names: map[string][]string{}}
	k.lad = ladoktest.NewServer(ladoktest.WithEntriesPerPage(100))
	t.Cleanup(k.lad.Close)
	sc.load(k.lad)
	k.lad.Append(sc.events...)
	k.cv = canvastest.NewServer(canvastest.WithoutThrottle(),
		canvastest.WithCustomRoles(canvastest.CustomRole{Label: roleRegistered, BaseType: "StudentEnrollment"},
			canvastest.CustomRole{Label: roleAdmitted, BaseType: "StudentEnrollment"}))
	t.Cleanup(k.cv.Close)
	k.proxy = httptest.NewServer(k)
	t.Cleanup(k.proxy.Close)
	k.pem = filepath.Join(k.dir, "ladok.pem")
	if err := os.WriteFile(k.pem, credentialsPEM(t, k.lad), 0o600); err != nil {
		t.Fatal(err)
	}
	return k
}

// credentialsPEM is the fake's client certificate, its key and the fake's CA as one PEM
// bundle, as a host keeps them.
func credentialsPEM(t testing.TB, lad *ladoktest.Server) []byte {
	cr := lad.Credentials()
	key, err := x509.MarshalPKCS8PrivateKey(cr.Certificate.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	_ = pem.Encode(&b, &pem.Block{Type: "PRIVATE KEY", Bytes: key})
	_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: cr.Certificate.Certificate[0]})
	_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: lad.CA().Cert.Raw})
	return b.Bytes()
}

// ServeHTTP passes a child's Canvas request on, noting the names it writes, and kills the
// child at the chosen requests.
func (k *killRun) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	n := k.requests.Add(1)
	kill, after := k.due(n)
	if kill && !after {
		k.kill()
		panic(http.ErrAbortHandler) // the request never reaches Canvas
	}
	root := strings.TrimSuffix(k.cv.URL(), canvasBase)
	req, err := http.NewRequestWithContext(context.WithoutCancel(r.Context()), r.Method, root+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	req.Header = r.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if resp.StatusCode < 300 {
		k.noteName(r, body)
	}
	if kill {
		k.kill()
		panic(http.ErrAbortHandler) // carried out, but the answer is lost
	}
	for h, v := range resp.Header {
		w.Header()[h] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(answer)
}

// due reports whether request n is one to kill at. A stop reached while the child is already
// being killed (two stops close together, requests in flight) is left for the next child, so
// that every stop is a kill.
func (k *killRun) due(n int64) (kill, after bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.stops) == 0 || n < k.stops[0] || k.killed {
		return false, false
	}
	after = k.after[0]
	k.stops, k.after = k.stops[1:], k.after[1:]
	return true, after
}

// kill SIGKILLs the running child.
func (k *killRun) kill() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cmd == nil || k.killed {
		return
	}
	k.killed = true
	_ = k.cmd.Process.Kill()
	k.kills++
}

// noteName records the name a user creation or update writes.
func (k *killRun) noteName(r *http.Request, body []byte) {
	var in struct {
		User      struct{ Name string } `json:"user"`
		Pseudonym struct {
			SisUserID string `json:"sis_user_id"`
		} `json:"pseudonym"`
	}
	if json.Unmarshal(body, &in) != nil || in.User.Name == "" {
		return
	}
	var uid string
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/users"):
		uid = in.Pseudonym.SisUserID
	case r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/users/sis_user_id:"):
		uid = r.URL.Path[strings.LastIndex(r.URL.Path, "sis_user_id:")+len("sis_user_id:"):]
	default:
		return
	}
	k.mu.Lock()
	k.names[uid] = append(k.names[uid], in.User.Name)
	k.mu.Unlock()
}

// adapter opens the children's store and an adapter on it in the parent, as an admin tool
// would; done closes both.
func (k *killRun) adapter(copts []canvas.Option, opts ...ladokcanvas.Option) (ad *ladokcanvas.Adapter, done func()) {
	k.t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(k.dir, "state.db"))
	if err != nil {
		k.t.Fatal(err)
	}
	lc, err := k.lad.Client()
	if err != nil {
		st.Close()
		k.t.Fatal(err)
	}
	cc, err := canvas.New(k.cv.URL(), append([]canvas.Option{canvas.WithBearerToken(k.cv.Token())}, copts...)...)
	if err != nil {
		st.Close()
		k.t.Fatal(err)
	}
	ad, err = ladokcanvas.New(context.Background(), lc, cc, st, termConfig(), append([]ladokcanvas.Option{ladokcanvas.WithTenant("uni")}, opts...)...)
	if err != nil {
		st.Close()
		k.t.Fatal(err)
	}
	return ad, func() { ad.Close(); st.Close() }
}

// coRead sets the scenario's co-reading in a process of its own before the children start, as
// an admin tool would.
func (k *killRun) coRead() {
	ad, done := k.adapter(nil)
	defer done()
	primaries := make([]string, 0, len(k.sc.coread))
	for p := range k.sc.coread {
		primaries = append(primaries, p)
	}
	slices.Sort(primaries)
	for _, p := range primaries {
		if err := ad.SetCoReading(context.Background(), p, k.sc.coread[p]...); err != nil {
			k.t.Fatal(err)
		}
	}
}

// run starts children until one reaches the end of the feed, killing them at stops (Canvas
// requests counted from the first child on), and returns Canvas as the last one left it.
func (k *killRun) run(stops []int64, seed uint64) canvastest.Snapshot {
	k.t.Helper()
	k.coRead()
	k.mu.Lock()
	k.stops = slices.Clone(stops)
	k.after = make([]bool, len(stops))
	for i := range k.after {
		k.after[i] = (seed+uint64(i))%2 == 1
	}
	k.mu.Unlock()
	cfg, err := json.Marshal(killChildConfig{LadokURL: k.lad.URL(), LadokPEM: k.pem, CanvasURL: k.proxy.URL + canvasBase, Token: k.cv.Token(),
		DB: filepath.Join(k.dir, "state.db"), Now: swedish("2026-09-15")})
	if err != nil {
		k.t.Fatal(err)
	}
	for child := 0; ; child++ {
		if child > len(stops)+10 {
			k.t.Fatalf("%d children and the feed is not done", child)
		}
		done, err := k.child(cfg)
		if err != nil {
			k.t.Fatal(err)
		}
		if done {
			break
		}
	}
	return k.cv.Snapshot()
}

// child runs one child to its end; done reports that it finished the feed.
func (k *killRun) child(cfg []byte) (done bool, err error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), killEnv+"="+string(cfg))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return false, err
	}
	k.mu.Lock()
	k.cmd, k.killed, k.childLast = cmd, false, 0
	k.mu.Unlock()
	if err := cmd.Start(); err != nil {
		return false, err
	}
	var log bytes.Buffer
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if n, ok := strings.CutPrefix(line, "events "); ok {
			if v, err := strconv.ParseInt(n, 10, 64); err == nil {
				k.mu.Lock()
				k.childLast = v
				k.mu.Unlock()
			}
			continue
		}
		log.WriteString(line + "\n")
	}
	werr := cmd.Wait()
	k.mu.Lock()
	defer k.mu.Unlock()
	k.cmd = nil
	k.events += k.childLast
	if k.killed {
		return false, nil
	}
	if werr != nil {
		return false, fmt.Errorf("child: %v\n%s%s", werr, log.String(), stderr.String())
	}
	return true, nil
}

// endOfTerm moves past every suspension in a last process and returns Canvas then.
func (k *killRun) endOfTerm() canvastest.Snapshot {
	k.t.Helper()
	ad, done := k.adapter([]canvas.Option{fastCanvasRetry()}, ladokcanvas.WithClock(func() time.Time { return swedish("2027-02-01") }))
	defer done()
	if _, err := ad.FireDue(context.Background()); err != nil {
		k.t.Fatal(err)
	}
	return k.cv.Snapshot()
}

// enrolmentsCreated counts the enrolments Canvas created (new ids).
func (k *killRun) enrolmentsCreated() int {
	ids := map[int64]bool{}
	for _, w := range k.cv.Writes() {
		if w.Kind == "enrollment" && strings.HasPrefix(w.Operation, "enroll") {
			ids[w.ID] = true
		}
	}
	return len(ids)
}

// flipBacks lists the students whose Canvas name was written back to a value it had before
// another one.
func (k *killRun) flipBacks() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for uid, names := range k.names {
		seen := map[string]bool{}
		for i, n := range names {
			if i > 0 && n != names[i-1] && seen[n] {
				out = append(out, uid+": "+strings.Join(names, " -> "))
				break
			}
			seen[n] = true
		}
	}
	slices.Sort(out)
	return out
}

// killResult is what one comparison of a killed run with an uninterrupted one found.
type killResult struct {
	kills                 int
	requests, refRequests int64
	replayed              int64 // events handed over again, over every kill
	created, refCreated   int
	flips                 []string
	midDiff, endDiff      bool
	refEvents, killEvents int64
}

func (r killResult) ratio() float64 { return float64(r.requests) / float64(r.refRequests) }

// runKills runs the scenario uninterrupted and then with kills SIGKILLs, and compares.
func runKills(t testing.TB, sc *scenario, kills int, seed uint64) killResult {
	ref := newKillRun(t, sc)
	refMid := ref.run(nil, seed)
	refEnd := ref.endOfTerm()
	var res killResult
	res.refRequests = ref.requests.Load()
	res.refCreated = ref.enrolmentsCreated()
	res.refEvents = ref.events

	kr := newKillRun(t, sc)
	// Kill points within the first 90% of the uninterrupted run's requests, so that every one
	// is reached.
	mid := kr.run(randomStops(seed, res.refRequests*9/10, kills), seed)
	end := kr.endOfTerm()
	res.kills = kr.kills
	res.requests = kr.requests.Load()
	res.created = kr.enrolmentsCreated()
	res.killEvents = kr.events
	res.replayed = kr.events - ref.events
	res.flips = kr.flipBacks()
	if tt, ok := t.(*testing.T); ok {
		compareSnapshots(tt, "after the feed", refMid, mid)
		compareSnapshots(tt, "end of term", refEnd, end)
	} else {
		res.midDiff = !snapshotsEqual(refMid, mid)
		res.endDiff = !snapshotsEqual(refEnd, end)
	}
	return res
}

func snapshotsEqual(a, b canvastest.Snapshot) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// TestKillRestart SIGKILLs the adapter process at 10 random points of a 600-event term (1,500
// under EDUSYNC_LONG=1; BenchmarkKillRestart has the full size): Canvas ends as after an
// uninterrupted run, with few Canvas requests more, no student's name written back to an older
// value and no enrolment created twice.
func TestKillRestart(t *testing.T) {
	if os.Getenv(killEnv) != "" {
		t.Skip("in the child")
	}
	const kills = 10
	sc := termScenario(11, size(600, 1500))
	res := runKills(t, sc, kills, 3)
	if res.kills != kills {
		t.Errorf("%d kills, want %d", res.kills, kills)
	}
	// The goal, at most 1.2 times the requests of an uninterrupted run, is set for the full
	// term (about 12,600 requests: some 250 more per kill). In a small term every restart's
	// fixed cost (Start's checks, the events in flight) weighs more than the goal allows, so
	// the small test holds each kill to a quarter of that; before issue 30 a kill cost about
	// 180 (effects repeated on replay). EDUSYNC_LONG=1 checks the ratio itself.
	if longRun {
		if r := res.ratio(); r > 1.2 {
			t.Errorf("%d Canvas requests, %.2f times the uninterrupted run's %d (want at most 1.2)", res.requests, r, res.refRequests)
		}
	} else if extra := res.requests - res.refRequests; extra > maxExtraPerKill*kills {
		t.Errorf("%d Canvas requests, %d more than the uninterrupted run's %d: %.1f per kill (want at most %d)",
			res.requests, extra, res.refRequests, float64(extra)/kills, maxExtraPerKill)
	}
	if res.created != res.refCreated {
		t.Errorf("%d enrolments created, the uninterrupted run created %d: some were created twice", res.created, res.refCreated)
	}
	if len(res.flips) > 0 {
		t.Errorf("names written back to an older value:\n%s", strings.Join(res.flips, "\n"))
	}
	if res.replayed < 0 {
		t.Errorf("%d events handed over in the killed run, fewer than the uninterrupted run's %d", res.killEvents, res.refEvents)
	}
	t.Logf("%d kills: %d Canvas requests (uninterrupted %d, ratio %.3f), %d events handed over again (%.1f per kill), %d enrolments created",
		res.kills, res.requests, res.refRequests, res.ratio(), res.replayed, float64(res.replayed)/float64(max(res.kills, 1)), res.created)
}

// maxExtraPerKill is how many Canvas requests beyond an uninterrupted run the small
// TestKillRestart allows for each kill.
const maxExtraPerKill = 60

// BenchmarkKillRestart is TestKillRestart at full size: a 10,000-event term (100 feed pages)
// whose adapter process is SIGKILLed at 10 random points. requests_ratio is the Canvas
// requests over an uninterrupted run's (goal <= 1.2); replayed_events is the events handed to
// the adapter again, per kill (goal <= 400). A run whose end state differs from the
// uninterrupted one, or that writes a name back or creates an enrolment twice, fails.
func BenchmarkKillRestart(b *testing.B) {
	sc := termScenario(11, 10_000)
	var ratio, replayed float64
	for i := 0; i < b.N; i++ {
		res := runKills(b, sc, 10, uint64(i)+3)
		switch {
		case res.midDiff || res.endDiff:
			b.Fatalf("Canvas differs from the uninterrupted run (after the feed: %v, end of term: %v)", res.midDiff, res.endDiff)
		case res.created != res.refCreated:
			b.Fatalf("%d enrolments created, %d uninterrupted", res.created, res.refCreated)
		case len(res.flips) > 0:
			b.Fatalf("names written back:\n%s", strings.Join(res.flips, "\n"))
		case res.kills != 10:
			b.Fatalf("%d kills", res.kills)
		}
		ratio += res.ratio()
		replayed += float64(res.replayed) / float64(res.kills)
	}
	b.ReportMetric(ratio/float64(b.N), "requests_ratio")
	b.ReportMetric(replayed/float64(b.N), "replayed_events")
}
