package synth

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// File is a file a candidate handed in or an examiner wrote. Only its description is kept; the
// bytes are made on demand by Open, the same bytes for the same Seed, Size and ContentType on
// every machine, so files of hundreds of megabytes cost no memory.
type File struct {
	// Name is the file name ("masteroppgave.pdf").
	Name string
	// ContentType is the media type: "application/pdf" for every file synth makes.
	ContentType string
	// Size in bytes, already multiplied by Options.FileScale.
	Size int64
	// Seed chooses the content.
	Seed uint64
}

// IsZero reports whether f is the zero File ("no file").
func (f File) IsZero() bool { return f == File{} }

// Open returns a reader of the file's bytes. A PDF (ContentType "application/pdf") of at least
// MinPDFSize bytes is a well-formed PDF of one blank page whose remaining bytes are an unused
// binary stream, so PDF readers and content sniffing accept it; smaller files and other types
// are the filler bytes alone. The reader holds no buffer: reading any range costs the same.
func (f File) Open() *FileReader {
	r := &FileReader{size: max(f.Size, 0), seed: f.Seed}
	if f.ContentType == "application/pdf" && f.Size >= MinPDFSize {
		r.head, r.tail = pdfFrame(f.Size)
	}
	return r
}

// SHA256 reads the file once and returns its SHA-256, for checks that a copy (in an archive,
// in S3) is complete.
func (f File) SHA256() [32]byte {
	h := sha256.New()
	if _, err := f.Open().WriteTo(h); err != nil {
		panic(err) // hash.Hash writes never fail
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// MinPDFSize is the smallest Size a PDF file can have and still be a well-formed PDF: the
// length of the frame around the filler.
const MinPDFSize = 443

// The PDF frame: a header and three objects (catalog, pages, one blank A4 page), then object 4,
// a stream of filler bytes nothing refers to, then the cross-reference table and trailer.
// Numbers are written with a fixed width (PDF allows leading zeros), so the frame has the same
// length for every size and the filler fills the rest.
const (
	pdfHead = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
	pdfObj1 = "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
	pdfObj2 = "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
	pdfObj3 = "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>\nendobj\n"
	pdfObj4 = "4 0 obj\n<< /Length %013d >>\nstream\n"
	pdfEnd4 = "\nendstream\nendobj\n"
	pdfXref = "xref\n0 5\n0000000000 65535 f \n%010d 00000 n \n%010d 00000 n \n%010d 00000 n \n%010d 00000 n \n" +
		"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%013d\n%%%%EOF\n"
)

// pdfFrame returns the bytes before and after the filler of a PDF of size bytes.
func pdfFrame(size int64) (head, tail []byte) {
	n := size - MinPDFSize // filler bytes
	o1 := int64(len(pdfHead))
	o2 := o1 + int64(len(pdfObj1))
	o3 := o2 + int64(len(pdfObj2))
	o4 := o3 + int64(len(pdfObj3))
	head = fmt.Appendf([]byte(pdfHead+pdfObj1+pdfObj2+pdfObj3), pdfObj4, n)
	xref := int64(len(head)) + n + int64(len(pdfEnd4))
	tail = fmt.Appendf([]byte(pdfEnd4), pdfXref, o1, o2, o3, o4, xref)
	return head, tail
}

// FileReader reads a File's bytes. It implements io.Reader, io.ReaderAt, io.Seeker and
// io.WriterTo, so it can be served with http.ServeContent or uploaded in parts.
type FileReader struct {
	size       int64
	seed       uint64
	head, tail []byte
	off        int64
}

// Size returns the file's length in bytes.
func (r *FileReader) Size() int64 { return r.size }

// Read reads the next bytes.
func (r *FileReader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	n, _ := r.ReadAt(p, r.off)
	r.off += int64(n)
	return n, nil
}

// ReadAt reads len(p) bytes from offset off; it returns io.EOF when fewer remain.
func (r *FileReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("synth: negative offset")
	}
	if off >= r.size {
		return 0, io.EOF
	}
	n := len(p)
	if rest := r.size - off; int64(n) > rest {
		n = int(rest)
	}
	r.fill(p[:n], off)
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// fill writes the bytes at [off, off+len(p)).
func (r *FileReader) fill(p []byte, off int64) {
	h, t := int64(len(r.head)), int64(len(r.tail))
	fillerEnd := r.size - t
	for len(p) > 0 {
		var k int
		switch {
		case off < h:
			k = copy(p, r.head[off:])
		case off >= fillerEnd:
			k = copy(p, r.tail[off-fillerEnd:])
		default:
			k = int(min(int64(len(p)), fillerEnd-off))
			filler(p[:k], r.seed, off-h)
		}
		p, off = p[k:], off+int64(k)
	}
}

// filler writes the filler bytes at [off, off+len(p)) of the stream of seed: each aligned
// 8-byte word is a mix of the seed and the word's number, so any range can be made directly.
func filler(p []byte, seed uint64, off int64) {
	w := uint64(off) / 8
	skip := int(uint64(off) % 8)
	var buf [8]byte
	for len(p) > 0 {
		v := mix(seed ^ (w * 0xd1342543de82ef95))
		if skip == 0 && len(p) >= 8 {
			binary.LittleEndian.PutUint64(p, v)
			p = p[8:]
		} else {
			binary.LittleEndian.PutUint64(buf[:], v)
			k := copy(p, buf[skip:])
			p = p[k:]
			skip = 0
		}
		w++
	}
}

// Seek sets the offset of the next Read.
func (r *FileReader) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = r.off + offset
	case io.SeekEnd:
		abs = r.size + offset
	default:
		return 0, errors.New("synth: invalid whence")
	}
	if abs < 0 {
		return 0, errors.New("synth: negative position")
	}
	r.off = abs
	return abs, nil
}

// WriteTo writes the rest of the file to w in 64 KiB pieces.
func (r *FileReader) WriteTo(w io.Writer) (int64, error) {
	buf := make([]byte, 64<<10)
	var total int64
	for r.off < r.size {
		n := int(min(int64(len(buf)), r.size-r.off))
		r.fill(buf[:n], r.off)
		k, err := w.Write(buf[:n])
		r.off += int64(k)
		total += int64(k)
		if err != nil {
			return total, err
		}
		if k < n {
			return total, io.ErrShortWrite
		}
	}
	return total, nil
}
