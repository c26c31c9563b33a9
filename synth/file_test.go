package synth

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"testing"
)

func readAll(t *testing.T, f File) []byte {
	t.Helper()
	b, err := io.ReadAll(f.Open())
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) != max(f.Size, 0) {
		t.Fatalf("%d bytes, Size %d", len(b), f.Size)
	}
	return b
}

// TestFileIsAWellFormedPDF parses the frame: header, the objects the cross-reference table
// points at, the stream length and startxref.
func TestFileIsAWellFormedPDF(t *testing.T) {
	for _, size := range []int64{MinPDFSize, MinPDFSize + 1, 5000, 1<<20 + 7} {
		b := readAll(t, File{Name: "x.pdf", ContentType: "application/pdf", Size: size, Seed: uint64(size)})
		if !bytes.HasPrefix(b, []byte("%PDF-1.7\n")) || !bytes.HasSuffix(b, []byte("\n%%EOF\n")) {
			t.Fatalf("size %d: no PDF header or trailer", size)
		}
		if ct := http.DetectContentType(b); ct != "application/pdf" {
			t.Fatalf("size %d: sniffed as %s", size, ct)
		}
		m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(b[len(b)-40:])
		if m == nil {
			t.Fatalf("size %d: no startxref", size)
		}
		xref, _ := strconv.Atoi(string(m[1]))
		if !bytes.HasPrefix(b[xref:], []byte("xref\n0 5\n")) {
			t.Fatalf("size %d: startxref %d does not point at the table", size, xref)
		}
		entries := regexp.MustCompile(`(\d{10}) 00000 n \n`).FindAllSubmatch(b[xref:], -1)
		if len(entries) != 4 {
			t.Fatalf("size %d: %d table entries", size, len(entries))
		}
		for k, e := range entries {
			off, _ := strconv.Atoi(string(e[1]))
			if want := strconv.Itoa(k+1) + " 0 obj\n"; !bytes.HasPrefix(b[off:], []byte(want)) {
				t.Fatalf("size %d: entry %d points at %q", size, k+1, b[off:off+10])
			}
		}
		lm := regexp.MustCompile(`/Length (\d+) >>\nstream\n`).FindSubmatchIndex(b)
		length, _ := strconv.Atoi(string(b[lm[2]:lm[3]]))
		if end := lm[1] + length; !bytes.HasPrefix(b[end:], []byte("\nendstream\nendobj\n")) {
			t.Fatalf("size %d: /Length %d does not end at endstream", size, length)
		}
	}
}

func TestFileReadersAgree(t *testing.T) {
	f := File{Name: "masteroppgave.pdf", ContentType: "application/pdf", Size: 300_013, Seed: 7}
	all := readAll(t, f)
	var buf bytes.Buffer
	if n, err := f.Open().WriteTo(&buf); err != nil || n != f.Size || !bytes.Equal(buf.Bytes(), all) {
		t.Fatalf("WriteTo: %d bytes, %v, equal %v", n, err, bytes.Equal(buf.Bytes(), all))
	}
	r := f.Open()
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		off := rnd.Int64N(f.Size + 10)
		p := make([]byte, rnd.IntN(3000))
		n, err := r.ReadAt(p, off)
		want := all[min(off, f.Size):min(off+int64(len(p)), f.Size)]
		if n != len(want) || !bytes.Equal(p[:n], want) {
			t.Fatalf("ReadAt(%d bytes at %d): %d bytes, want %d", len(p), off, n, len(want))
		}
		if (n < len(p)) != (err == io.EOF) {
			t.Fatalf("ReadAt(%d bytes at %d): %d bytes with error %v", len(p), off, n, err)
		}
	}
	// small odd reads after a seek
	if _, err := r.Seek(-1000, io.SeekEnd); err != nil {
		t.Fatal(err)
	}
	var tail []byte
	p := make([]byte, 7)
	for {
		n, err := r.Read(p)
		tail = append(tail, p[:n]...)
		if err == io.EOF {
			break
		}
	}
	if !bytes.Equal(tail, all[len(all)-1000:]) {
		t.Fatal("Read after Seek differs")
	}
	if _, err := r.Seek(-1, io.SeekStart); err == nil {
		t.Fatal("negative position accepted")
	}
	if _, err := r.ReadAt(p, -1); err == nil {
		t.Fatal("negative offset accepted")
	}
	if f.SHA256() != sha256.Sum256(all) {
		t.Fatal("SHA256 differs from the bytes")
	}
}

func TestFileBytesDependOnSeedSizeAndType(t *testing.T) {
	pdf := File{ContentType: "application/pdf", Size: 10_000, Seed: 1}
	if !bytes.Equal(readAll(t, pdf), readAll(t, pdf)) {
		t.Fatal("the same file differs between reads")
	}
	other := pdf
	other.Seed = 2
	if bytes.Equal(readAll(t, pdf), readAll(t, other)) {
		t.Fatal("another seed, the same bytes")
	}
	for _, f := range []File{{ContentType: "application/zip", Size: 10_000, Seed: 1}, {ContentType: "application/pdf", Size: MinPDFSize - 1, Seed: 1}} {
		if b := readAll(t, f); bytes.HasPrefix(b, []byte("%PDF")) {
			t.Fatalf("%s of %d bytes has a PDF header", f.ContentType, f.Size)
		}
	}
	for _, size := range []int64{0, -5} {
		if n, err := (File{Size: size}).Open().Read(make([]byte, 10)); n != 0 || !errors.Is(err, io.EOF) {
			t.Fatalf("size %d: read %d, %v", size, n, err)
		}
	}
}

// TestFileIsNeverHeldInMemory reads a 400 MB file's pieces without allocating.
func TestFileIsNeverHeldInMemory(t *testing.T) {
	r := File{ContentType: "application/pdf", Size: 400 << 20, Seed: 3}.Open()
	p := make([]byte, 32<<10)
	off := int64(0)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := r.ReadAt(p, off); err != nil {
			t.Fatal(err)
		}
		off = (off + 4<<20) % (390 << 20)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per read", allocs)
	}
}

// TestThesisFileSizes checks the sizes of the preset's thesis files: a few MB for most, some
// hundreds, and FileScale applied.
func TestThesisFileSizes(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("preset scale")
	}
	sizes := func(scale float64) (lo, hi int64, over100 int, n int) {
		p := generate(t, PresetUniversityNO, func(o *Options) { o.FileScale = scale })
		lo = 1 << 62
		for i := range p.Theses {
			for _, f := range p.Theses[i].Files {
				lo, hi, n = min(lo, f.Size), max(hi, f.Size), n+1
				if f.Size > 100<<20 {
					over100++
				}
			}
		}
		return
	}
	lo, hi, over, n := sizes(1)
	if lo < 1<<20 || hi > 450<<20 || hi < 150<<20 || over == 0 || over > n/10 {
		t.Errorf("sizes %d to %d bytes, %d of %d over 100 MB", lo, hi, over, n)
	}
	lo, hi, _, _ = sizes(0.001)
	if lo < MinPDFSize || hi > 460<<10 {
		t.Errorf("FileScale 0.001: sizes %d to %d bytes", lo, hi)
	}
}
