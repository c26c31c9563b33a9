package noark5_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/edusync/edusync/archive/noark5"
	"github.com/edusync/edusync/archive/noark5test"
	"github.com/edusync/edusync/internal/fakekit"
)

func setup(t *testing.T, opts ...noark5.Option) (*noark5test.Server, *noark5.Client, *noark5.Arkivdel) {
	t.Helper()
	srv := noark5test.NewServer()
	t.Cleanup(srv.Close)
	c, err := srv.Client(append([]noark5.Option{noark5.WithoutRetry()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	part, err := c.FindArkivdel(context.Background(), noark5test.DefaultSeries)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c, part
}

func fileOf(n int) ([]byte, string) {
	b := bytes.Repeat([]byte("noark "), n/6+1)[:n]
	s := sha256.Sum256(b)
	return b, hex.EncodeToString(s[:])
}

// newObject files a case file, a registration, a document and an object declaring data.
func newObject(t *testing.T, c *noark5.Client, part *noark5.Arkivdel, key string, data []byte, sum string) *noark5.Dokumentobjekt {
	t.Helper()
	ctx := context.Background()
	m, err := c.CreateMappe(ctx, part.Links, &noark5.Mappe{Tittel: "Masteroppgave", VirksomhetsspesifikkeMetadata: noark5.WithSourceKey("mappe/" + key)})
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.CreateRegistrering(ctx, m, &noark5.Registrering{Tittel: "Oppgave", VirksomhetsspesifikkeMetadata: noark5.WithSourceKey(key)})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.CreateDokumentbeskrivelse(ctx, r, &noark5.Dokumentbeskrivelse{Tittel: "Oppgave", TilknyttetRegistreringSom: noark5.Code{Kode: "H"}})
	if err != nil {
		t.Fatal(err)
	}
	o, err := c.CreateDokumentobjekt(ctx, d, &noark5.Dokumentobjekt{Filnavn: "oppgave.pdf", MimeType: "application/pdf",
		Sjekksum: sum, SjekksumAlgoritme: noark5.SHA256, Filstoerrelse: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestCreateChainKeepsTemplateDefaultsAndCallerFields(t *testing.T) {
	srv, c, part := setup(t)
	data, sum := fileOf(1000)
	o := newObject(t, c, part, "k1", data, sum)
	if o.Versjonsnummer != 1 || o.Variantformat.Kode != "A" {
		t.Errorf("template defaults lost: %+v", o)
	}
	if err := c.Upload(context.Background(), o, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	a := srv.Archive()
	if len(a) != 1 || len(a[0].Registrations) != 1 {
		t.Fatalf("archive %+v", a)
	}
	obj := a[0].Registrations[0].Documents[0].Objects[0]
	if !obj.Uploaded || obj.ReceivedSHA256 != sum || obj.ReceivedSize != 1000 {
		t.Errorf("object %+v", obj)
	}
	if a[0].Registrations[0].Documents[0].Dokumentstatus.Kode != "B" {
		t.Errorf("template's dokumentstatus lost")
	}
}

func TestUploadSizes(t *testing.T) {
	for _, n := range []int{0, 1, 64 << 10, 64<<10 + 1, 3*(64<<10) + 17} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			srv, c, part := setup(t, noark5.WithChunking(64<<10, 64<<10))
			data, sum := fileOf(n)
			o := newObject(t, c, part, "k", data, sum)
			if err := c.Upload(context.Background(), o, bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
			if o.ReferanseDokumentfil == "" {
				t.Error("object not updated from the answer")
			}
			got := srv.Archive()[0].Registrations[0].Documents[0].Objects[0]
			if !got.Uploaded || got.ReceivedSHA256 != sum {
				t.Errorf("received %+v", got)
			}
			chunked := 0
			for _, w := range srv.Writes() {
				if w.Kind == "upload-session" {
					chunked++
				}
			}
			if want := map[bool]int{true: 1, false: 0}[n > 64<<10]; chunked != want {
				t.Errorf("%d upload sessions, want %d", chunked, want)
			}
		})
	}
}

func TestUploadRefusesBytesThatDoNotMatchTheChecksum(t *testing.T) {
	for _, n := range []int{100, 200 << 10} {
		srv, c, part := setup(t, noark5.WithChunking(64<<10, 64<<10))
		data, sum := fileOf(n)
		o := newObject(t, c, part, "k", data, sum)
		bad := bytes.Clone(data)
		bad[len(bad)-1] ^= 1
		if err := c.Upload(context.Background(), o, bytes.NewReader(bad)); !errors.Is(err, noark5.ErrChecksum) {
			t.Fatalf("%d bytes: %v, want ErrChecksum", n, err)
		}
		if err := c.Upload(context.Background(), o, bytes.NewReader(append(bytes.Clone(data), 'x'))); !errors.Is(err, noark5.ErrChecksum) {
			t.Fatalf("%d bytes, one too many: %v, want ErrChecksum", n, err)
		}
		if srv.Sessions() != 0 {
			t.Errorf("%d upload sessions left open", srv.Sessions())
		}
		if srv.Archive()[0].Registrations[0].Documents[0].Objects[0].Uploaded {
			t.Error("a file that does not match was kept")
		}
	}
}

func TestFindBySourceKeyPagesThroughTheArchive(t *testing.T) {
	_, c, part := setup(t)
	ctx := context.Background()
	m, err := c.CreateMappe(ctx, part.Links, &noark5.Mappe{Tittel: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 25 {
		if _, err := c.CreateRegistrering(ctx, m, &noark5.Registrering{Tittel: "r", VirksomhetsspesifikkeMetadata: noark5.WithSourceKey("inspera/it's/" + strconv.Itoa(i))}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := c.FindRegistrering(ctx, "inspera/it's/23")
	if err != nil || r == nil || noark5.SourceKeyOf(r.VirksomhetsspesifikkeMetadata) != "inspera/it's/23" {
		t.Fatalf("found %+v, %v", r, err)
	}
	if r, err := c.FindRegistrering(ctx, "inspera/none"); err != nil || r != nil {
		t.Fatalf("found %+v, %v for a key never filed", r, err)
	}
}

func TestUpdateWithStaleETagIsRefused(t *testing.T) {
	_, c, part := setup(t)
	ctx := context.Background()
	m, err := c.CreateMappe(ctx, part.Links, &noark5.Mappe{Tittel: "a"})
	if err != nil {
		t.Fatal(err)
	}
	old := *m
	m.Tittel = "b"
	if err := c.UpdateMappe(ctx, m); err != nil {
		t.Fatal(err)
	}
	if m.ETag == old.ETag {
		t.Error("ETag not renewed")
	}
	old.Tittel = "c"
	if err := c.UpdateMappe(ctx, &old); !errors.Is(err, noark5.ErrStale) || !errors.Is(err, noark5.ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	if err := c.Delete(ctx, old.Meta); !errors.Is(err, noark5.ErrStale) {
		t.Fatalf("stale delete: %v", err)
	}
	if err := c.Delete(ctx, m.Meta); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, m.Meta); err != nil {
		t.Fatalf("deleting what is gone: %v", err)
	}
}

func TestScreeningNeedsCodeAndLegalBasis(t *testing.T) {
	_, c, part := setup(t)
	_, err := c.CreateMappe(context.Background(), part.Links, &noark5.Mappe{Tittel: "a",
		Skjerming: &noark5.Screening{Tilgangsrestriksjon: &noark5.Code{Kode: "13"}}})
	if !errors.Is(err, noark5.ErrBadRequest) {
		t.Fatalf("screening without legal basis: %v", err)
	}
}

func TestRefusedTokenIsUnauthorizedAndNotEchoed(t *testing.T) {
	srv := noark5test.NewServer()
	defer srv.Close()
	c, err := noark5.New(srv.URL(), noark5.WithBearerToken("wrong-token-01017012345"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Discover(context.Background())
	if !errors.Is(err, noark5.ErrUnauthorized) {
		t.Fatalf("%v", err)
	}
	if strings.Contains(err.Error(), "wrong-token") || strings.Contains(err.Error(), "01017012345") {
		t.Errorf("error repeats the token: %v", err)
	}
}

func TestServerErrorsAreRetriedForReads(t *testing.T) {
	srv := noark5test.NewServer()
	defer srv.Close()
	srv.SetFaults(fakekit.Faults{Rules: []fakekit.Rule{{Operation: "arkivstruktur", Status: 503, Times: 2}}})
	c, err := srv.Client(noark5.WithRetry(noark5.RetryPolicy{MaxAttempts: 4, BaseDelay: 1}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Discover(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// An archive may echo a person's identity number as an entity's systemID; the error that names
// the entity must not carry it.
func TestMissingLinkErrorHidesIdentityNumbersInSystemID(t *testing.T) {
	const fnr = "01017012345"
	c, err := noark5.New("http://arkiv.invalid/noark5v5/", noark5.WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	meta := noark5.Meta{SystemID: fnr + "\n" + strings.Repeat("x", 1000)}
	calls := map[string]func() error{
		"Delete": func() error { return c.Delete(ctx, meta) },
		"Dokumentbeskrivelser": func() error {
			_, err := c.Dokumentbeskrivelser(ctx, &noark5.Registrering{Meta: meta})
			return err
		},
		"UpdateMappe": func() error { return c.UpdateMappe(ctx, &noark5.Mappe{Meta: meta}) },
		"Upload": func() error {
			return c.Upload(ctx, &noark5.Dokumentobjekt{Meta: meta}, strings.NewReader(""))
		},
	}
	for name, call := range calls {
		err := call()
		var ml *noark5.MissingLinkError
		if !errors.As(err, &ml) {
			t.Errorf("%s: %v, want a *MissingLinkError", name, err)
			continue
		}
		if text := err.Error(); strings.Contains(text, fnr) || strings.Contains(ml.Where, fnr) ||
			strings.ContainsAny(text, "\n") || len(text) > 300 {
			t.Errorf("%s: error carries the systemID as sent: %q", name, text)
		}
	}
}
