// Command ss12000-provider serves a school as SS 12000 the way a school-administration vendor
// or a municipality's hub does with package ss12000server, and reads it back as a receiver
// would (a learning platform here; Skolverket's DNP client reads the same way):
//
//  1. the source (edusync's fake SS 12000 service with the sample school, standing in for the
//     vendor's database or another standard's export) is read by ss12000sync;
//  2. the plan is applied to the provider, whose state lives in SQLite: meta stamped, an
//     eduPersonPrincipalName given to every person the source gives none;
//  3. the provider is served on localhost under /ss12000 with one receiver, "lms", that presents
//     bearer JWTs of the host's issuer (ES256, checked against its JWKS with issuer, audience
//     and DNP's location claim) and may subscribe under /lms/;
//  4. the receiver reads everything with edusync's own client (a full sync of ss12000.Syncer)
//     and subscribes to persons and groups;
//  5. one change at the source (a pupil's new family name) is planned and applied: exactly one
//     update; the provider calls the receiver back, and the receiver's delta sync reads that
//     one person;
//  6. a second plan finds nothing to do.
//
// It needs no credentials and no network beyond loopback:
//
//	go run ./examples/ss12000-provider
//	go run ./examples/ss12000-provider -db ./provider.db -serve   # keep serving afterwards
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000server"
	"github.com/edusync/edusync/ss12000/ss12000sync"
	"github.com/edusync/edusync/ss12000/ss12000test"
	"github.com/edusync/edusync/store/sqlite"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to serve on")
	db := flag.String("db", "", "SQLite file of the provider's state (default: a temporary one)")
	serve := flag.Bool("serve", false, "keep serving after the walk-through until interrupted")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg := config{addr: *addr, db: *db}
	if *serve {
		cfg.serving = func(base, token string) {
			fmt.Fprintf(os.Stderr, "serving %s/ss12000 until interrupted; try\n  curl -H 'Authorization: Bearer %s' %s/ss12000/organisations\n",
				base, token, base)
			<-ctx.Done()
		}
	}
	if _, err := run(ctx, os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "ss12000-provider:", err)
		os.Exit(1)
	}
}

type config struct {
	addr, db string
	// serving, when set, is called with the provider's address and a receiver's token after
	// the walk-through, before the server stops.
	serving func(base, token string)
}

// outcome is what the walk-through saw, for its test.
type outcome struct {
	served    int               // persons the receiver read in its full sync
	copyOf    map[string]string // the receiver's copy: person id -> family name
	callbacks int               // callbacks that reached the receiver
	delta     *ss12000.SyncReport
	renamed   string // the renamed pupil's id at the provider
}

// day is the day the example runs on: a Monday in the sample school's autumn term.
var day = time.Date(2025, 9, 15, 6, 0, 0, 0, time.UTC)

// samplePupil is the sample school's pupil whose name changes.
const samplePupil = 40

func run(ctx context.Context, out io.Writer, cfg config) (*outcome, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	clock := testclock.New(day)

	// 1. The source.
	school := ss12000test.NewServer(ss12000test.WithDataset(ss12000test.SampleSchool()), ss12000test.WithClock(clock.Now))
	defer school.Close()
	sc, err := school.Client()
	if err != nil {
		return nil, err
	}
	source, err := ss12000sync.New(sc, ss12000sync.Options{Guardians: true, Now: clock.Now})
	if err != nil {
		return nil, err
	}

	// 3 (set up first, so that the receivers' addresses are known). The provider on SQLite,
	// the host's token issuer and the receiver's callback, all on one local server.
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, err
	}
	base := "http://" + ln.Addr().String()
	issuer, err := newIssuer(base + "/issuer")
	if err != nil {
		return nil, err
	}
	dbPath := cfg.db
	if dbPath == "" {
		dir, err := os.MkdirTemp("", "ss12000-provider")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		dbPath = filepath.Join(dir, "provider.db")
	}
	st, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	provider, err := ss12000server.New(st, ss12000server.Options{
		BasePath: "/ss12000",
		Receivers: []ss12000server.Receiver{{
			Name: "lms",
			Bearer: &ss12000server.JWT{JWKSURL: issuer.url + "/jwks.json", Issuer: issuer.url, Audience: "ss12000",
				Location: base + "/ss12000"},
			CallbackURLs: []string{base + "/lms/"},
		}},
		EPPN:            ss12000.EPPNGenerator{Template: "{given}.{family}@skola.example.se"},
		Now:             clock.Now,
		CallbackBackoff: 100 * time.Millisecond,
	})
	if err != nil {
		return nil, err
	}
	defer provider.Close()

	// The receiver: edusync's client keeps a copy current with a Syncer, and its callback
	// runs a delta sync.
	token := issuer.sign(map[string]any{"iss": issuer.url, "aud": "ss12000", "exp": day.Add(24 * time.Hour).Unix(),
		"requested_access": []any{map[string]any{"type": "ss12000-api", "locations": []string{base + "/ss12000"}}}})
	client, err := ss12000.New(base+"/ss12000", ss12000.WithBearerToken(token))
	if err != nil {
		return nil, err
	}
	o := &outcome{copyOf: map[string]string{}}
	syncer := &ss12000.Syncer{Client: client, Now: clock.Now,
		Types: []ss12000.EndPointsEnum{ss12000.EndPointsOrganisation, ss12000.EndPointsPerson, ss12000.EndPointsGroup, ss12000.EndPointsDuty}}
	var state ss12000.SyncState
	var mu sync.Mutex // the copy is written by the full sync and by the callback's delta sync
	keep := func(_ context.Context, c ss12000.Change) error {
		if c.Type != ss12000.EndPointsPerson {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		if c.Deleted {
			delete(o.copyOf, c.ID)
		} else {
			o.copyOf[c.ID] = c.Record.(ss12000.PersonExpanded).FamilyName
		}
		return nil
	}
	deltas := make(chan *ss12000.SyncReport, 4)
	callback := ss12000.NewWebhookHandler(func(ctx context.Context, n ss12000.Notification) {
		rep, err := syncer.Delta(ctx, &state, keep)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ss12000-provider: the receiver's delta sync:", err)
			return
		}
		deltas <- rep
	}, ss12000.WithWebhookQuietPeriod(200*time.Millisecond))
	defer callback.Close()
	var calls sync.WaitGroup
	mux := http.NewServeMux()
	mux.Handle("/ss12000/", provider)
	mux.HandleFunc("GET /issuer/jwks.json", issuer.serveJWKS)
	mux.Handle("POST /lms/callback", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		o.callbacks++
		mu.Unlock()
		callback.ServeHTTP(w, r)
	}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	calls.Add(1)
	go func() {
		defer calls.Done()
		_ = srv.Serve(ln)
	}()
	defer func() {
		_ = srv.Shutdown(context.Background())
		calls.Wait()
	}()

	// 1 and 2. The first plan into the provider.
	fmt.Fprintln(out, "== The school's records planned into the provider ==")
	hub := &hub{source: source, provider: provider, out: out, now: clock.Now}
	if err := hub.run(ctx); err != nil {
		return nil, err
	}

	// 4. The receiver reads everything and subscribes.
	fmt.Fprintln(out, "\n== The receiver \"lms\" reads the provider with edusync's ss12000 client ==")
	full, err := syncer.Full(ctx, &state, keep)
	if err != nil {
		return nil, err
	}
	o.served = len(o.copyOf)
	fmt.Fprintf(out, "full sync: %s\n", counts(full.Changed))
	fmt.Fprintln(out, "(persons with protected identity are not served to lms: it has not been opted in)")
	eppns := 0
	for p, err := range client.ListPersons(ctx, nil) {
		if err != nil {
			return nil, err
		}
		if len(p.EduPersonPrincipalNames) > 0 {
			eppns++
		}
	}
	fmt.Fprintf(out, "persons with an eduPersonPrincipalName: %d of %d\n", eppns, o.served)
	sub, err := client.CreateSubscription(ctx, ss12000.CreateSubscription{Name: "lms", Target: base + "/lms/callback",
		ResourceTypes: []ss12000.SubscriptionResourceType{{Resource: ss12000.EndPointsPerson}, {Resource: ss12000.EndPointsGroup}}})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "subscribed to Person and Group changes (expires %s)\n", sub.Expires.UTC().Format(time.DateOnly))

	// 5. A change at the source.
	clock.Advance(time.Hour)
	pupil := ss12000test.SampleSchool().Persons[samplePupil]
	if _, err := ss12000test.Modify(school, pupil.ID, func(x *ss12000.Person) { x.FamilyName = "Lindqvist" }); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "\n== The school registers %s %s's new family name ==\n", pupil.GivenName, pupil.FamilyName)
	if err := hub.run(ctx); err != nil {
		return nil, err
	}
	select {
	case o.delta = <-deltas:
	case <-ctx.Done():
		return nil, errors.New("the receiver was never called back")
	}
	mu.Lock()
	for id, name := range o.copyOf {
		if name == "Lindqvist" {
			o.renamed = id
		}
	}
	mu.Unlock()
	fmt.Fprintf(out, "the provider called lms back; its delta sync read %s\n", counts(o.delta.Changed))
	if o.renamed != "" {
		fmt.Fprintf(out, "lms's copy now holds %s Lindqvist\n", pupil.GivenName)
	}

	// 6. Nothing more to do.
	fmt.Fprintln(out, "\n== The next run ==")
	if err := hub.run(ctx); err != nil {
		return nil, err
	}
	if cfg.serving != nil {
		cfg.serving(base, token)
	}
	return o, nil
}

// hub plans the source into the provider and applies the plan, as a pipeline would.
type hub struct {
	source   *ss12000sync.Source
	provider *ss12000server.Provider
	out      io.Writer
	now      func() time.Time
}

func (h *hub) run(ctx context.Context) error {
	src, err := reconcile.Load(ctx, h.source)
	if err != nil {
		return err
	}
	r := h.source.LastReport()
	fmt.Fprintf(h.out, "source: %d persons (%d protected, %d guardians), %d groups, %d memberships\n",
		r.Counts.Persons, r.Counts.Protected, r.Counts.Guardians, r.Counts.Groups, r.Counts.Memberships)
	tgt, err := reconcile.Load(ctx, h.provider)
	if err != nil {
		return err
	}
	// The provider keeps persons with protected identity (it serves them only to receivers
	// the host opts in), so the plan includes them.
	plan, err := reconcile.NewPlan(src, tgt, reconcile.Options{Now: h.now(), IncludeProtected: true})
	if err != nil {
		return err
	}
	if plan.Counts.Changes() == 0 {
		fmt.Fprintf(h.out, "plan: nothing to do (%d records unchanged)\n", plan.Counts.Unchanged)
	} else {
		fmt.Fprintf(h.out, "plan: %d created, %d updated, %d deactivated, %d unchanged\n",
			plan.Counts.Created, plan.Counts.Updated, plan.Counts.Deactivated, plan.Counts.Unchanged)
	}
	for i := range plan.Actions {
		a := &plan.Actions[i]
		if a.Op == reconcile.OpUpdate {
			for _, d := range a.Diffs {
				fmt.Fprintf(h.out, "  %s %s: %q -> %q\n", a.Kind, d.Field, d.Before, d.After)
			}
		}
	}
	rep, err := reconcile.Apply(ctx, plan, h.provider, reconcile.ApplyOptions{})
	if err != nil {
		return err
	}
	if !rep.OK() {
		return fmt.Errorf("%d actions failed, %d were stale", rep.Failed, rep.Stale)
	}
	fmt.Fprintf(h.out, "applied in one commit: %d created, %d updated\n", rep.Counts.Created, rep.Counts.Updated)
	return nil
}

// counts prints records per type, in a stable order.
func counts(m map[ss12000.EndPointsEnum]int) string {
	var parts []string
	for t, n := range m {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, t))
		}
	}
	slices.Sort(parts)
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// issuer is the host's token issuer for its receivers, reduced to what the example needs: an
// ES256 key published as a JWKS, and tokens signed with it. In production the receiver's own
// issuer signs its tokens (SUNET's for DNP) and the provider only reads its JWKS.
type issuer struct {
	url string
	key *ecdsa.PrivateKey
}

func newIssuer(url string) (*issuer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return &issuer{url: url, key: key}, nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func (i *issuer) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	pt, err := i.key.PublicKey.Bytes() // 0x04 || x || y
	if err != nil {
		http.Error(w, "no key", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"keys": []any{map[string]any{
		"kty": "EC", "crv": "P-256", "kid": "example-1", "use": "sig", "alg": "ES256", "x": b64(pt[1:33]), "y": b64(pt[33:])}}})
}

func (i *issuer) sign(claims map[string]any) string {
	h, _ := json.Marshal(map[string]string{"alg": "ES256", "typ": "JWT", "kid": "example-1"})
	c, _ := json.Marshal(claims)
	input := b64(h) + "." + b64(c)
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, i.key, digest[:])
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return input + "." + b64(append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...))
}
