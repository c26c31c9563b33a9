package s3stage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/edusync/edusync/archive"
	"github.com/edusync/edusync/archive/internal/spool"
)

// The defaults of Stager.
const (
	DefaultPartSize    = 8 << 20
	DefaultConcurrency = 3
	// MinPartSize is S3's smallest part (but the last).
	MinPartSize = 5 << 20
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
	// DefaultConcurrency) shape the multipart upload of a large file.
	PartSize    int64
	Concurrency int
	// TempDir is where a stream is spooled while it is hashed (os.TempDir when ""); it needs
	// room for the largest file staged at once.
	TempDir string
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

// Stage implements archive.Stager: it hashes the file and puts it under its content key,
// sha256/<hex>, unless the bucket holds that content already. The key must be known before the
// upload starts (S3 cannot rename), so the bytes are read twice, never held whole in memory: a
// source that is a file (an io.ReaderAt of the announced size, such as *os.File) is read in
// place; any other stream (a download from the exam system) is first spooled to a temporary
// file in TempDir while it is hashed. A file larger than PartSize then goes up as a multipart
// upload of PartSize parts read from the file, Concurrency at a time (each worker holds one
// part in memory), each with its SHA-256 checksum, which the server verifies; a failed upload
// is aborted. The temporary file is removed whatever happens.
func (s *Stager) Stage(ctx context.Context, f archive.File, r io.Reader) (archive.StagedFile, error) {
	src, size, sum, cleanup, err := s.source(ctx, f, r)
	if err != nil {
		return archive.StagedFile{}, err
	}
	defer cleanup()
	sf := s.staged(f, size, sum)
	if ok, err := s.has(ctx, sf); err != nil || ok {
		return sf, err
	}
	key := s.Prefix + sf.Key
	meta := map[string]string{"sha256": sf.SHA256}
	if size <= s.partSize() {
		ck := base64.StdEncoding.EncodeToString(sum)
		_, err := s.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: &s.Bucket, Key: &key,
			Body: io.NewSectionReader(src, 0, size), ContentLength: aws.Int64(size), ContentType: contentType(f),
			ChecksumAlgorithm: types.ChecksumAlgorithmSha256, ChecksumSHA256: &ck, Metadata: meta})
		if err != nil {
			return archive.StagedFile{}, fmt.Errorf("s3stage: putting %s: %w", f.Name, err)
		}
		return sf, nil
	}
	return sf, s.multipart(ctx, f, key, meta, src, size)
}

// source returns the file to upload from, its size and SHA-256, and what removes a spool.
func (s *Stager) source(ctx context.Context, f archive.File, r io.Reader) (io.ReaderAt, int64, []byte, func(), error) {
	if ra, ok := r.(io.ReaderAt); ok && f.Size > 0 {
		h := sha256.New()
		n, err := io.Copy(h, spool.Reader(ctx, io.NewSectionReader(ra, 0, f.Size+1)))
		if err != nil {
			return nil, 0, nil, nil, fmt.Errorf("s3stage: reading %s: %w", f.Name, err)
		}
		if n != f.Size {
			return nil, 0, nil, nil, archive.ErrSize
		}
		return ra, n, h.Sum(nil), func() {}, nil
	}
	tmp, n, sum, err := spool.File(ctx, s.TempDir, "s3stage-*", r)
	if err != nil {
		return nil, 0, nil, nil, fmt.Errorf("s3stage: spooling %s: %w", f.Name, err)
	}
	cleanup := func() { _ = tmp.Close(); _ = os.Remove(tmp.Name()) }
	if f.Size > 0 && n != f.Size {
		cleanup()
		return nil, 0, nil, nil, archive.ErrSize
	}
	return tmp, n, sum, cleanup, nil
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

// multipart uploads size bytes of src under key in parts, Concurrency at a time.
func (s *Stager) multipart(ctx context.Context, f archive.File, key string, meta map[string]string, src io.ReaderAt, size int64) error {
	up, err := s.Client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &s.Bucket, Key: &key,
		ContentType: contentType(f), ChecksumAlgorithm: types.ChecksumAlgorithmSha256, Metadata: meta})
	if err != nil {
		return fmt.Errorf("s3stage: starting the upload of %s: %w", f.Name, err)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	psize := s.partSize()
	parts := int32((size + psize - 1) / psize)
	done := make([]types.CompletedPart, parts)
	next := make(chan int32)
	var wg sync.WaitGroup
	for range min(int32(s.concurrency()), parts) {
		wg.Go(func() {
			// One part buffer per worker, reused: a part read once from the file is hashed,
			// signed and sent from memory, as fast as the SDK's own uploader.
			buf := make([]byte, psize)
			for num := range next {
				off := int64(num-1) * psize
				n, err := src.ReadAt(buf[:min(psize, size-off)], off)
				if err != nil && !(err == io.EOF && int64(n) == size-off) {
					cancel(fmt.Errorf("s3stage: reading part %d of %s: %w", num, f.Name, err))
					continue
				}
				sum := sha256.Sum256(buf[:n])
				ck := base64.StdEncoding.EncodeToString(sum[:])
				out, err := s.Client.UploadPart(ctx, &s3.UploadPartInput{Bucket: &s.Bucket, Key: &key, UploadId: up.UploadId,
					PartNumber: aws.Int32(num), Body: bytes.NewReader(buf[:n]), ContentLength: aws.Int64(int64(n)),
					ChecksumAlgorithm: types.ChecksumAlgorithmSha256, ChecksumSHA256: &ck})
				if err != nil {
					cancel(fmt.Errorf("s3stage: part %d of %s: %w", num, f.Name, err))
					continue
				}
				done[num-1] = types.CompletedPart{PartNumber: aws.Int32(num), ETag: out.ETag, ChecksumSHA256: &ck}
			}
		})
	}
	for num := int32(1); num <= parts && ctx.Err() == nil; num++ {
		select {
		case next <- num:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		s.abort(ctx, key, up.UploadId)
		return err
	}
	if _, err := s.Client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &s.Bucket, Key: &key, UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done}}); err != nil {
		s.abort(ctx, key, up.UploadId)
		return fmt.Errorf("s3stage: completing the upload of %s: %w", f.Name, err)
	}
	return nil
}

func (s *Stager) abort(ctx context.Context, key string, id *string) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	_, _ = s.Client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: &s.Bucket, Key: &key, UploadId: id})
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
