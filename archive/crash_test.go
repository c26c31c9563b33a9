package archive_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/edusync/edusync/archive"
	"github.com/edusync/edusync/archive/noark5"
	"github.com/edusync/edusync/archive/noark5test"
	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/internal/fakekit"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
	"github.com/edusync/edusync/synth"
	"github.com/edusync/edusync/wiseflow"
)

// childConfig is what the archiving child process needs to reach the parent's fakes.
type childConfig struct {
	DB, Stage                string
	Now                      time.Time
	FS, FSUser, FSPassword   string
	Inspera, Tenant, APIKey  string
	WISEflow, WFID, WFSecret string
	Noark, NoarkToken        string
	CoverSeed                uint64
}

// TestArchivingSurvivesSIGKILL runs the archiving process as a child over one SQLite file and
// kills it (SIGKILL) again and again at random moments, the archive failing now and then as
// well; once a last child has run to the end, every thesis is archived exactly once, none
// before its deadlines, nothing restricted as open.
func TestArchivingSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	t.Parallel()
	e := newEnv(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "archive.db")
	ctx := context.Background()
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	f, err := archive.New(e.config(st, archive.DirStager{Dir: filepath.Join(dir, "stage")}))
	if err != nil {
		t.Fatal(err)
	}
	n := e.collect(t, f)
	e.gradeRest(t)
	_ = st.Close()
	// Every deadline is over by then; the flow's clock stands there in every child.
	e.clock.Set(start.AddDate(0, 3, 0))
	e.noark.SetFaults(fakekit.Faults{Seed: 9, ErrorRate: 0.05, DropAfterWriteRate: 0.05})
	fu, fp := e.fs.Credentials()
	wc := e.wf.Credentials()
	cfg := childConfig{DB: db, Stage: filepath.Join(dir, "stage"), Now: e.clock.Now(), FS: e.fs.URL(), FSUser: fu, FSPassword: fp,
		Inspera: e.insp.URL(), Tenant: e.insp.Tenant(), APIKey: e.insp.APIKey(), WISEflow: e.wf.URL(), WFID: wc.ClientID,
		WFSecret: wc.ClientSecret, Noark: e.noark.URL(), NoarkToken: noark5test.DefaultToken, CoverSeed: 7}
	raw, _ := json.Marshal(cfg)
	r := rand.New(rand.NewPCG(1, 2))
	kills := 0
	for range 6 {
		cmd := child(t, raw)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(200+r.IntN(900)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err == nil {
			kills++
		}
		_ = cmd.Wait()
	}
	e.noark.SetFaults(fakekit.Faults{})
	cmd := child(t, raw)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the last child: %v\n%s", err, out)
	}
	st, err = sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f, err = archive.New(e.config(st, archive.DirStager{Dir: cfg.Stage}))
	if err != nil {
		t.Fatal(err)
	}
	got := checkArchive(t, e, f)
	if got < n*3/4 {
		t.Fatalf("%d of %d archived after %d kills", got, n, kills)
	}
	t.Logf("%d of %d archived after %d kills", got, n, kills)
}

func child(t *testing.T, cfg []byte) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestArchiverChild$")
	cmd.Env = append(os.Environ(), "EDUSYNC_ARCHIVE_CHILD="+string(cfg))
	return cmd
}

// TestArchiverChild is the archiving process of TestArchivingSurvivesSIGKILL: it archives
// until nothing is due, then exits. It does nothing otherwise.
func TestArchiverChild(t *testing.T) {
	raw := os.Getenv("EDUSYNC_ARCHIVE_CHILD")
	if raw == "" {
		t.Skip("the child process of TestArchivingSurvivesSIGKILL")
	}
	var cfg childConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fc, err := fs.New(cfg.FS, fs.WithBasicAuth(cfg.FSUser, cfg.FSPassword))
	if err != nil {
		t.Fatal(err)
	}
	ic, err := inspera.New(cfg.Inspera, inspera.WithAPIKey(cfg.Tenant, cfg.APIKey))
	if err != nil {
		t.Fatal(err)
	}
	wc, err := wiseflow.New(cfg.WISEflow, wiseflow.WithClientCredentials(cfg.WFID, cfg.WFSecret))
	if err != nil {
		t.Fatal(err)
	}
	nc, err := noark5.New(cfg.Noark, noark5.WithBearerToken(cfg.NoarkToken), noark5.WithRetry(noark5.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	pop, err := smallTerm(cfg.CoverSeed)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{pop: pop, ix: synth.NewIndex(pop)}
	// The clock stands still but for retries: when only retries are left, it moves on.
	var mu sync.Mutex
	cur := cfg.Now
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return cur }
	f, err := archive.New(archive.Config{Store: st, Scope: store.Scope{Flow: "archive", Tenant: "uit"}, FS: fc,
		Sources: map[archive.System]archive.Source{
			archive.Inspera:  &archive.InsperaSource{Client: ic, Covers: e.covers},
			archive.WISEflow: &archive.WISEflowSource{Client: wc, Cover: archive.CoverElements{Title: 1, Publish: 2, Delay: 3, Confidential: 4}}},
		Stager: archive.DirStager{Dir: cfg.Stage}, Archiver: &archive.NoarkArchiver{Client: nc, Series: noark5test.DefaultSeries, Now: now},
		Now: now, Holder: "child"})
	if err != nil {
		t.Fatal(err)
	}
	for moves := 0; moves < 50; {
		n, err := f.Step(ctx, 5)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			continue
		}
		sts, err := f.Statuses(ctx)
		if err != nil {
			t.Fatal(err)
		}
		retrying := false
		for _, s := range sts {
			retrying = retrying || s.State == archive.StateRetrying
		}
		if !retrying {
			return
		}
		mu.Lock()
		cur = cur.Add(2 * time.Hour)
		mu.Unlock()
		moves++
	}
}
