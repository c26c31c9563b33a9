package s3stage_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/edusync/edusync/archive"
	"github.com/edusync/edusync/archive/internal/s3server"
	"github.com/edusync/edusync/archive/s3stage"
)

// pattern is n deterministic bytes.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) ^ seed
	}
	return b
}

func hexSum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func newStager(t *testing.T) (*s3server.Server, *s3stage.Stager) {
	srv := s3server.Start(t)
	srv.Bucket(t, "staging")
	return srv, &s3stage.Stager{Client: srv.Client(""), Bucket: "staging", PartSize: s3stage.MinPartSize, Concurrency: 3}
}

func leftovers(t *testing.T, c *s3.Client) int {
	ctx := context.Background()
	objs, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("staging"), Prefix: aws.String("incoming/")})
	if err != nil {
		t.Fatal(err)
	}
	ups, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("staging")})
	if err != nil {
		t.Fatal(err)
	}
	return len(objs.Contents) + len(ups.Uploads)
}

func TestStageKeepsFilesUnderTheirSHA256AndReadsThemBack(t *testing.T) {
	srv, st := newStager(t)
	ctx := context.Background()
	for _, n := range []int{0, 1000, s3stage.MinPartSize, 2*s3stage.MinPartSize + 123} {
		data := pattern(n, byte(n))
		sf, err := st.Stage(ctx, archive.File{Name: "oppgave.pdf", ContentType: "application/pdf", Size: int64(n)}, bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if sf.SHA256 != hexSum(data) || sf.Key != "sha256/"+hexSum(data) || sf.Size != int64(n) {
			t.Fatalf("%d bytes: staged %+v", n, sf)
		}
		rc, err := st.Open(ctx, sf)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%d bytes read back: %d bytes, %v", n, len(got), err)
		}
	}
	if n := leftovers(t, srv.Client("")); n != 0 {
		t.Errorf("%d incoming objects or uploads left", n)
	}
}

func TestStageRefusesAFileShorterThanAnnounced(t *testing.T) {
	srv, st := newStager(t)
	data := pattern(2*s3stage.MinPartSize+5, 1)
	for _, d := range [][]byte{data[:100], data} {
		_, err := st.Stage(context.Background(), archive.File{Name: "a", Size: int64(len(d)) + 1}, bytes.NewReader(d))
		if !errors.Is(err, archive.ErrSize) {
			t.Fatalf("%d bytes announced as one more: %v", len(d), err)
		}
	}
	if n := leftovers(t, srv.Client("")); n != 0 {
		t.Errorf("%d incoming objects or uploads left after refusals", n)
	}
}

// The server checks signatures: a client with the wrong secret stages nothing.
func TestStageWithAWrongSecretIsRefused(t *testing.T) {
	srv := s3server.Start(t)
	srv.Bucket(t, "staging")
	st := &s3stage.Stager{Client: srv.Client("not-the-secret"), Bucket: "staging"}
	if _, err := st.Stage(context.Background(), archive.File{Name: "a"}, bytes.NewReader([]byte("x"))); err == nil {
		t.Fatal("a request signed with the wrong secret was accepted")
	}
}

func TestOpenNoticesAStagedFileThatChanged(t *testing.T) {
	_, st := newStager(t)
	ctx := context.Background()
	data := pattern(3000, 9)
	sf, err := st.Stage(ctx, archive.File{Name: "a"}, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	other := pattern(3000, 10)
	if _, err := st.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("staging"), Key: aws.String(sf.Key), Body: bytes.NewReader(other)}); err != nil {
		t.Fatal(err)
	}
	rc, err := st.Open(ctx, sf)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.ReadAll(rc); !errors.Is(err, s3stage.ErrCorrupt) {
		t.Fatalf("changed content read with %v", err)
	}
}

func TestManifestIsPutAsJSON(t *testing.T) {
	_, st := newStager(t)
	ctx := context.Background()
	k := archive.Key{System: archive.Inspera, Exam: "185_INF5990_1_MOPPG_2026_VÅR", Candidate: "101"}
	if err := st.PutManifest(ctx, &archive.Manifest{Key: k, Grade: "B"}); err != nil {
		t.Fatal(err)
	}
	out, err := st.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("staging"), Key: aws.String(archive.ManifestKey(k))})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(out.Body)
	if !bytes.Contains(b, []byte(`"grade": "B"`)) {
		t.Errorf("manifest %s", b)
	}
}
