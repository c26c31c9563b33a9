// Package s3stage stages thesis files and their manifests in an S3 bucket before the thesis
// archive (package archive) delivers them: the Stager of archive.Config, on the AWS SDK for Go
// v2, for Amazon S3 or any S3-compatible store (MinIO, Ceph, versitygw, the institution's own).
//
//	cfg, _ := config.LoadDefaultConfig(ctx)
//	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = aws.String(endpoint); o.UsePathStyle = true })
//	stager := &s3stage.Stager{Client: client, Bucket: "thesis-staging"}
//
// # Content addressing and streaming
//
// Each file is kept under sha256/<hex of its SHA-256>, so a file staged twice (a retry, the
// same appendix in two theses) is kept once, and a key says what its bytes must hash to. S3
// cannot rename, so the hash must be known before the upload starts: the file is read twice,
// and never whole into memory. A source that is a file (an io.ReaderAt of the announced size)
// is hashed in place; a stream (a download from the exam system, which cannot be fetched
// twice) is spooled to a temporary file (TempDir) while it is hashed. A file of at most
// PartSize (default 8 MiB) is then put in one request; a larger one as a multipart upload of
// PartSize parts read from the file, Concurrency (default 3) at a time (one part in memory per
// worker), each with its own SHA-256 checksum that the server verifies. A failed upload is aborted and the spool
// removed. Open streams a staged file back and fails at its end when the bytes do not hash to
// the key (ErrCorrupt).
//
// # Manifests
//
// PutManifest writes a thesis's manifest (archive.Manifest: source ids, grade, deadlines, the
// access decision with its inputs, the staged files and the archive's receipt) as JSON under
// manifests/<key>.json. Manifests hold no names or identity numbers.
//
// # Testing
//
// The tests run against versitygw (Versity S3 Gateway, Apache 2.0), a real S3 server that
// checks request signatures, started on loopback over a temporary directory; see the README.
// BenchmarkStageThesis stages a 2 GB generated file into it and compares with the SDK's
// transfer manager.
package s3stage
