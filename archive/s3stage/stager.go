package s3stage

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/edusync/edusync/archive"
)

// The defaults of Stager.
const (
	DefaultPartSize    = 8 << 20
	DefaultConcurrency = 4
	// MinPartSize is S3's smallest part (but the last).
	MinPartSize = 5 << 20
	// maxCopy is the largest object CopyObject copies; larger ones are copied part by part.
	maxCopy = 5 << 30
	// cleanupTimeout bounds the requests that clean up after a failure.
	cleanupTimeout = 30 * time.Second
)

// Stager stages thesis files and manifests in an S3 bucket (archive.Stager).
type Stager struct {
	// Client is an S3 client of the AWS SDK for Go v2 (for an S3-compatible server: its
	// BaseEndpoint and UsePathStyle set).
	Client *s3.Client
	// Bucket holds the staging area; Prefix, when set, is put before every key ("theses/").
	Bucket string
	Prefix string
	// PartSize (default DefaultPartSize, at least MinPartSize) and Concurrency (default
	// DefaultConcurrency) shape the multipart upload: at most Concurrency parts are in memory
	// at once.
	PartSize    int64
	Concurrency int
}

var _ archive.Stager = (*Stager)(nil)

func (s *Stager) partSize() int64 {
	if s.PartSize < MinPartSize {
		if s.PartSize == 0 {
			return DefaultPartSize
		}
		return MinPartSize
	}
	return s.PartSize
}

func (s *Stager) concurrency() int {
	if s.Concurrency <= 0 {
		return DefaultConcurrency
	}
	return s.Concurrency
}

// Stage implements archive.Stager: it streams r into the bucket and returns the file under
// its content key, sha256/<hex>. A file that fits in one part is hashed first and put under
// its key at once; a larger one is uploaded in parts to an incoming/ key while it is hashed,
// each part with its own SHA-256 checksum that the server verifies, and then copied under its
// content key server-side (a copy is skipped when the bucket holds the content already). An
// upload that fails is aborted and nothing stays under incoming/.
func (s *Stager) Stage(ctx context.Context, f archive.File, r io.Reader) (archive.StagedFile, error) {
	size := s.partSize()
	first := make([]byte, size)
	n, err := io.ReadFull(r, first)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return archive.StagedFile{}, fmt.Errorf("s3stage: reading %s: %w", f.Name, err)
	}
	if int64(n) < size { // the whole file
		if f.Size > 0 && int64(n) != f.Size {
			return archive.StagedFile{}, archive.ErrSize
		}
		sum := sha256.Sum256(first[:n])
		sf := s.staged(f, int64(n), sum[:])
		if ok, err := s.has(ctx, sf); err != nil || ok {
			return sf, err
		}
		_, err := s.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: &s.Bucket, Key: aws.String(s.Prefix + sf.Key),
			Body: bytes.NewReader(first[:n]), ContentLength: aws.Int64(int64(n)), ContentType: contentType(f),
			ChecksumAlgorithm: types.ChecksumAlgorithmSha256, ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(sum[:])),
			Metadata: map[string]string{"sha256": sf.SHA256}})
		if err != nil {
			return archive.StagedFile{}, fmt.Errorf("s3stage: putting %s: %w", f.Name, err)
		}
		return sf, nil
	}
	return s.multipart(ctx, f, first, r)
}

func (s *Stager) staged(f archive.File, n int64, sum []byte) archive.StagedFile {
	h := hex.EncodeToString(sum)
	return archive.StagedFile{Key: archive.ContentKey(h), Name: f.Name, ContentType: f.ContentType, Size: n, SHA256: h}
}

func contentType(f archive.File) *string {
	if f.ContentType == "" {
		return aws.String("application/octet-stream")
	}
	return aws.String(f.ContentType)
}

// has reports whether the bucket holds sf's content already.
func (s *Stager) has(ctx context.Context, sf archive.StagedFile) (bool, error) {
	out, err := s.Client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.Bucket, Key: aws.String(s.Prefix + sf.Key)})
	var nf *types.NotFound
	if errors.As(err, &nf) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("s3stage: %w", err)
	}
	return aws.ToInt64(out.ContentLength) == sf.Size, nil
}

type part struct {
	num int32
	buf []byte
	n   int
}

func (s *Stager) multipart(ctx context.Context, f archive.File, first []byte, r io.Reader) (archive.StagedFile, error) {
	var rnd [12]byte
	_, _ = rand.Read(rnd[:])
	tmp := s.Prefix + "incoming/" + hex.EncodeToString(rnd[:])
	up, err := s.Client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &s.Bucket, Key: &tmp,
		ContentType: contentType(f), ChecksumAlgorithm: types.ChecksumAlgorithmSha256})
	if err != nil {
		return archive.StagedFile{}, fmt.Errorf("s3stage: starting the upload of %s: %w", f.Name, err)
	}
	abort := func() {
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		_, _ = s.Client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: &s.Bucket, Key: &tmp, UploadId: up.UploadId})
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	conc := s.concurrency()
	free := make(chan []byte, conc)
	free <- first
	for range conc - 1 {
		free <- make([]byte, len(first))
	}
	work := make(chan part)
	var mu sync.Mutex
	var done []types.CompletedPart
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for p := range work {
				sum := sha256.Sum256(p.buf[:p.n])
				ck := base64.StdEncoding.EncodeToString(sum[:])
				out, err := s.Client.UploadPart(ctx, &s3.UploadPartInput{Bucket: &s.Bucket, Key: &tmp, UploadId: up.UploadId,
					PartNumber: aws.Int32(p.num), Body: bytes.NewReader(p.buf[:p.n]), ContentLength: aws.Int64(int64(p.n)),
					ChecksumAlgorithm: types.ChecksumAlgorithmSha256, ChecksumSHA256: &ck})
				free <- p.buf
				if err != nil {
					cancel(fmt.Errorf("s3stage: part %d of %s: %w", p.num, f.Name, err))
					continue
				}
				mu.Lock()
				done = append(done, types.CompletedPart{PartNumber: aws.Int32(p.num), ETag: out.ETag, ChecksumSHA256: &ck})
				mu.Unlock()
			}
		})
	}
	whole := sha256.New()
	var total int64
	var readErr error
	buf, n := <-free, len(first)
	for num := int32(1); ; num++ {
		if num > 1 {
			select {
			case buf = <-free:
			case <-ctx.Done():
			}
			if ctx.Err() != nil {
				break
			}
			var err error
			n, err = io.ReadFull(r, buf)
			if err == io.EOF {
				free <- buf
				break
			}
			if err != nil && err != io.ErrUnexpectedEOF {
				readErr = fmt.Errorf("s3stage: reading %s: %w", f.Name, err)
				free <- buf
				break
			}
		}
		whole.Write(buf[:n])
		total += int64(n)
		select {
		case work <- part{num: num, buf: buf, n: n}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil || n < len(buf) {
			break
		}
	}
	close(work)
	wg.Wait()
	if readErr == nil {
		readErr = context.Cause(ctx)
	}
	if readErr == nil && f.Size > 0 && total != f.Size {
		readErr = archive.ErrSize
	}
	if readErr != nil {
		abort()
		return archive.StagedFile{}, readErr
	}
	slices.SortFunc(done, func(a, b types.CompletedPart) int { return int(*a.PartNumber - *b.PartNumber) })
	if _, err := s.Client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &s.Bucket, Key: &tmp, UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done}}); err != nil {
		abort()
		return archive.StagedFile{}, fmt.Errorf("s3stage: completing the upload of %s: %w", f.Name, err)
	}
	sf := s.staged(f, total, whole.Sum(nil))
	err = s.settle(ctx, f, sf, tmp)
	dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer dcancel()
	_, derr := s.Client.DeleteObject(dctx, &s3.DeleteObjectInput{Bucket: &s.Bucket, Key: &tmp})
	if err != nil {
		return archive.StagedFile{}, err
	}
	if derr != nil {
		return archive.StagedFile{}, fmt.Errorf("s3stage: removing the incoming copy of %s: %w", f.Name, derr)
	}
	return sf, nil
}

// settle copies the incoming object tmp under its content key, unless the bucket has it.
func (s *Stager) settle(ctx context.Context, f archive.File, sf archive.StagedFile, tmp string) error {
	if ok, err := s.has(ctx, sf); err != nil || ok {
		return err
	}
	dst := s.Prefix + sf.Key
	src := s.Bucket + "/" + tmp
	meta := map[string]string{"sha256": sf.SHA256}
	if sf.Size <= maxCopy {
		_, err := s.Client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: &s.Bucket, Key: &dst, CopySource: &src,
			MetadataDirective: types.MetadataDirectiveReplace, Metadata: meta, ContentType: contentType(f)})
		if err != nil {
			return fmt.Errorf("s3stage: copying %s under its content key: %w", f.Name, err)
		}
		return nil
	}
	up, err := s.Client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &s.Bucket, Key: &dst, Metadata: meta, ContentType: contentType(f)})
	if err != nil {
		return fmt.Errorf("s3stage: copying %s: %w", f.Name, err)
	}
	var parts []types.CompletedPart
	const step = 1 << 30
	for off, num := int64(0), int32(1); off < sf.Size; off, num = off+step, num+1 {
		end := min(off+step, sf.Size) - 1
		out, err := s.Client.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: &s.Bucket, Key: &dst, UploadId: up.UploadId,
			PartNumber: aws.Int32(num), CopySource: &src, CopySourceRange: aws.String(fmt.Sprintf("bytes=%d-%d", off, end))})
		if err != nil {
			_, _ = s.Client.AbortMultipartUpload(context.WithoutCancel(ctx), &s3.AbortMultipartUploadInput{Bucket: &s.Bucket, Key: &dst, UploadId: up.UploadId})
			return fmt.Errorf("s3stage: copying %s: %w", f.Name, err)
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(num), ETag: out.CopyPartResult.ETag})
	}
	_, err = s.Client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &s.Bucket, Key: &dst, UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	if err != nil {
		return fmt.Errorf("s3stage: copying %s: %w", f.Name, err)
	}
	return nil
}

// Open implements archive.Stager: it streams the staged file and fails at its end when the
// bytes do not hash to its SHA-256 (archive.ErrSize when their number differs).
func (s *Stager) Open(ctx context.Context, f archive.StagedFile) (io.ReadCloser, error) {
	out, err := s.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.Bucket, Key: aws.String(s.Prefix + f.Key)})
	if err != nil {
		return nil, fmt.Errorf("s3stage: reading %s: %w", f.Name, err)
	}
	return &verifying{rc: out.Body, h: sha256.New(), want: f.SHA256, left: f.Size}, nil
}

// verifying checks a staged file's bytes as they are read.
type verifying struct {
	rc   io.ReadCloser
	h    hash.Hash
	want string
	left int64
}

func (v *verifying) Read(p []byte) (int, error) {
	n, err := v.rc.Read(p)
	v.h.Write(p[:n])
	v.left -= int64(n)
	if v.left < 0 {
		return n, archive.ErrSize
	}
	if err == io.EOF {
		if v.left != 0 {
			return n, archive.ErrSize
		}
		if hex.EncodeToString(v.h.Sum(nil)) != v.want {
			return n, ErrCorrupt
		}
	}
	return n, err
}

func (v *verifying) Close() error { return v.rc.Close() }

// ErrCorrupt is matched by a read of a staged file whose bytes do not hash to its key.
var ErrCorrupt = errors.New("s3stage: the staged file does not match its SHA-256")

// PutManifest implements archive.Stager: the manifest is put as JSON under
// archive.ManifestKey.
func (s *Stager) PutManifest(ctx context.Context, m *archive.Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	_, err = s.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: &s.Bucket, Key: aws.String(s.Prefix + archive.ManifestKey(m.Key)),
		Body: bytes.NewReader(b), ContentLength: aws.Int64(int64(len(b))), ContentType: aws.String("application/json"),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256, ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(sum[:]))})
	if err != nil {
		return fmt.Errorf("s3stage: putting the manifest: %w", err)
	}
	return nil
}
