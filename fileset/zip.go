package fileset

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// zipTime is the modification time of every file in an archive: a fixed one, so that the same
// set gives the same bytes.
var zipTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// Zip writes the current set as one zip archive (deflate, the files at the root, in name
// order), as OneRoster exchanges sets and Apple School Manager takes uploads. The same set
// gives the same bytes. It returns the current set's name.
func (t *Target) Zip(w io.Writer) (string, error) {
	dir, name, ok, err := t.dir.Current()
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("fileset: %s has no current set yet", t.dir.root)
	}
	es, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("fileset: %w", err)
	}
	zw := zip.NewWriter(w)
	for _, e := range es {
		if !e.Type().IsRegular() {
			continue
		}
		h := &zip.FileHeader{Name: e.Name(), Method: zip.Deflate, Modified: zipTime}
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return "", fmt.Errorf("fileset: %w", err)
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			return "", fmt.Errorf("fileset: %w", err)
		}
		_, err = io.Copy(fw, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("fileset: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("fileset: %w", err)
	}
	return name, nil
}
