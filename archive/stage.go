package archive

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/edusync/edusync/archive/internal/spool"
)

// Stager keeps each thesis file, and a manifest per thesis, in a staging area before delivery,
// so that delivery reads the files from there (not again from the exam system, whose links
// expire) and an operator can see what was delivered and why. archive/s3stage stages in an S3
// bucket; DirStager in a local directory.
type Stager interface {
	// Stage streams r (the file f) into the staging area under a content-addressed key and
	// returns where it is, its size and its SHA-256. It never holds the whole file in memory.
	// A file whose length differs from f.Size (when f.Size > 0) is refused (ErrSize).
	Stage(ctx context.Context, f File, r io.Reader) (StagedFile, error)
	// Open reads a staged file back.
	Open(ctx context.Context, f StagedFile) (io.ReadCloser, error)
	// PutManifest writes (replaces) the manifest of a thesis.
	PutManifest(ctx context.Context, m *Manifest) error
}

// StagedFile is a file in the staging area.
type StagedFile struct {
	Key         string `json:"key"` // "sha256/<hex>"
	Name        string `json:"name"`
	ContentType string `json:"contentType,omitempty"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"` // hex
}

// ContentKey is the content-addressed key of a file with SHA-256 sum (hex).
func ContentKey(sum string) string { return "sha256/" + sum }

// ManifestKey is the key of a thesis's manifest.
func ManifestKey(k Key) string { return "manifests/" + url.PathEscape(k.String()) + ".json" }

// ErrSize is matched by Stage's error when the bytes read differ in number from the size the
// exam system announced.
var ErrSize = errors.New("archive: the file's length differs from its announced size")

// Manifest is what the staging area keeps about a thesis: its source ids, grade, deadlines,
// the access decision with its inputs, the staged files, and the archive's receipt once
// delivered. It holds no name or identity number.
type Manifest struct {
	Key       Key          `json:"key"`
	Source    SourceIDs    `json:"source"`
	Grade     string       `json:"grade"`
	Deadlines Deadlines    `json:"deadlines"`
	Decision  Decision     `json:"decision"`
	Files     []StagedFile `json:"files"`
	Receipt   *Receipt     `json:"receipt,omitempty"`
	Appeals   []Appeal     `json:"appeals,omitempty"`
	Updated   time.Time    `json:"updated"`
}

// DirStager stages files in a local directory: sha256/<hex> for the files, manifests/ for the
// manifests, tmp/ while a file arrives. For hosts without S3, and for the examples.
type DirStager struct{ Dir string }

// Stage implements Stager.
func (s DirStager) Stage(ctx context.Context, f File, r io.Reader) (StagedFile, error) {
	tmpDir := filepath.Join(s.Dir, "tmp")
	if err := os.MkdirAll(tmpDir, 0o700); err != nil {
		return StagedFile{}, err
	}
	tmp, n, sum, err := spool.File(ctx, tmpDir, "stage-*", r)
	if err != nil {
		return StagedFile{}, fmt.Errorf("archive: staging %s: %w", f.Name, err)
	}
	defer func() { _ = tmp.Close(); _ = os.Remove(tmp.Name()) }()
	if f.Size > 0 && n != f.Size {
		return StagedFile{}, ErrSize
	}
	if err := tmp.Sync(); err != nil {
		return StagedFile{}, err
	}
	hexSum := hex.EncodeToString(sum)
	sf := StagedFile{Key: ContentKey(hexSum), Name: f.Name, ContentType: f.ContentType, Size: n, SHA256: hexSum}
	dst := filepath.Join(s.Dir, filepath.FromSlash(sf.Key))
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return StagedFile{}, err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return StagedFile{}, err
	}
	return sf, nil
}

// Open implements Stager.
func (s DirStager) Open(_ context.Context, f StagedFile) (io.ReadCloser, error) {
	return os.Open(filepath.Join(s.Dir, filepath.FromSlash(f.Key)))
}

// PutManifest implements Stager.
func (s DirStager) PutManifest(_ context.Context, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	p := filepath.Join(s.Dir, "manifests", url.PathEscape(m.Key.String())+".json")
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}
