// Package s3server starts a real S3 server for the archive's tests: versitygw (Versity S3
// Gateway, Apache 2.0) with its posix backend over a temporary directory, on a loopback port,
// checking every request's SigV4 signature. An in-process fake that ignores signatures could
// not catch a signing error; this can.
//
// The binary is found in $EDUSYNC_VERSITYGW, on PATH, or in $(go env GOPATH)/bin; install it
// with
//
//	go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
//
// (CI does, in .ci/run). Without it the tests skip, except under CI, where they fail.
package s3server

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Version is the versitygw release the tests are written against.
const Version = "v1.8.0"

// Server is a running versitygw.
type Server struct {
	Endpoint       string
	Access, Secret string
	Dir            string
	cmd            *exec.Cmd
}

// Binary returns the path of versitygw, or "" when it is not installed.
func Binary() string {
	if p := os.Getenv("EDUSYNC_VERSITYGW"); p != "" {
		return p
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(strings.TrimSpace(string(out)), "bin", "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// Start starts a server for tb and stops it at tb's end.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin := Binary()
	if bin == "" {
		msg := "versitygw is not installed: go install github.com/versity/versitygw/cmd/versitygw@" + Version
		if os.Getenv("CI") != "" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	dir := tb.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	s := &Server{Endpoint: "http://" + addr, Access: "edusync-test-access", Secret: "edusync-test-secret-0123456789", Dir: dir}
	s.cmd = exec.Command(bin, "--access", s.Access, "--secret", s.Secret, "--port", addr, "--quiet", "posix", dir)
	s.cmd.Stdout, s.cmd.Stderr = os.Stderr, os.Stderr
	if err := s.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.cmd.Process.Kill(); _ = s.cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			_ = c.Close()
			break
		}
		if time.Now().After(deadline) {
			tb.Fatalf("versitygw did not listen on %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

// PID is the server's process id (for measuring it or killing it).
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Client returns an S3 client signed with the server's root credentials (secret overrides
// them when not empty, to test a wrong signature).
func (s *Server) Client(secret string) *s3.Client {
	if secret == "" {
		secret = s.Secret
	}
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(s.Access, secret, "")})
}

// Bucket creates a bucket.
func (s *Server) Bucket(tb testing.TB, name string) {
	tb.Helper()
	if _, err := s.Client("").CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		tb.Fatal(fmt.Errorf("creating bucket %s: %w", name, err))
	}
}
