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
// same appendix in two theses) is kept once, and a key says what its bytes must hash to. The
// hash is known only once the file has been read, and a file is never read whole into memory
// nor twice from the exam system: a file that fits in one part (PartSize, default 8 MiB) is
// hashed in memory and put under its key; a larger one is uploaded as a multipart upload under
// incoming/<random> while it is hashed, with at most Concurrency parts (default 4) in memory and
// in flight, each carrying its own SHA-256 checksum that the server verifies, and is then
// copied server-side under its content key (part by part above 5 GiB) and the incoming object
// removed. A failed upload is aborted. Open streams a staged file back and fails at its end
// when the bytes do not hash to the key (ErrCorrupt).
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
