package asmsftp_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/edusync/edusync/asm"
	"github.com/edusync/edusync/asm/asmsftp"
	"github.com/edusync/edusync/reconcile"
)

const password = "s3cret-Pässword"

// server is an in-process SFTP server with a password and a host key, serving dir.
type server struct {
	addr string
	key  ssh.PublicKey
	dir  string
}

func newServer(t *testing.T) *server {
	t.Helper()
	srv, stop, err := listen(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return srv
}

// listen starts a server serving dir; stop ends it.
func listen(dir string) (*server, func(), error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, nil, err
	}
	cfg := &ssh.ServerConfig{PasswordCallback: func(c ssh.ConnMetadata, pass []byte) (*ssh.Permissions, error) {
		if c.User() == "school" && string(pass) == password {
			return nil, nil
		}
		return nil, errors.New("denied")
	}}
	cfg.AddHostKey(signer)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { serve(conn, cfg, dir) })
		}
	})
	return &server{addr: l.Addr().String(), key: signer.PublicKey(), dir: dir}, func() { l.Close(); wg.Wait() }, nil
}

func serve(conn net.Conn, cfg *ssh.ServerConfig, dir string) {
	defer conn.Close()
	_, chans, reqs, err := ssh.NewServerConn(conn, cfg)
	if err != nil {
		return
	}
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "no")
			continue
		}
		ch, in, err := nc.Accept()
		if err != nil {
			return
		}
		go func() {
			for r := range in {
				ok := r.Type == "subsystem" && len(r.Payload) > 4 && string(r.Payload[4:]) == "sftp"
				r.Reply(ok, nil)
				if ok {
					s, err := sftp.NewServer(ch, sftp.WithServerWorkingDirectory(dir))
					if err == nil {
						s.Serve()
					}
					ch.Close()
				}
			}
		}()
	}
}

// target returns an asm target with a committed upload.
func target(t *testing.T) *asm.Target {
	t.Helper()
	tg, err := committed(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// committed returns an asm target in dir holding a one-pupil upload.
func committed(dir string) (*asm.Target, error) {
	tg, err := asm.New(dir, asm.Options{})
	if err != nil {
		return nil, err
	}
	src := &reconcile.Snapshot{
		Organisations: []reconcile.Organisation{{Keys: reconcile.Keys{SourceKey: "unit-1"}, Name: "Exempelbyskolan"}},
		Persons: []reconcile.Person{{Keys: reconcile.Keys{SourceKey: "p-1"}, GivenNames: "Åsa", FamilyName: "Öberg",
			Contexts: []reconcile.Context{{Organisation: "unit-1", Role: "Elev"}}}},
		Groups:      []reconcile.Group{{Keys: reconcile.Keys{SourceKey: "7a"}, Name: "7A", Organisation: "unit-1"}},
		Memberships: []reconcile.Membership{{Person: "p-1", Group: "7a", Role: "Elev"}},
	}
	ctx := context.Background()
	tgt, err := reconcile.Load(ctx, tg)
	if err != nil {
		return nil, err
	}
	plan, err := reconcile.NewPlan(src, tgt, reconcile.Options{})
	if err != nil {
		return nil, err
	}
	_, err = reconcile.Apply(ctx, plan, tg, reconcile.ApplyOptions{})
	return tg, err
}

// The upload lands as one archive with the six files at its root, under its final name only.
func TestUploadSendsTheWholeSetAsOneArchive(t *testing.T) {
	srv := newServer(t)
	tg := target(t)
	res, err := asmsftp.Upload(context.Background(), asmsftp.Config{Addr: srv.addr, User: "school", Password: password, HostKey: srv.key}, tg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(srv.dir, "edusync-asm.zip"))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != res.Bytes {
		t.Errorf("%d bytes on the server, %d sent", len(b), res.Bytes)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Name == "students.csv" {
			rc, _ := f.Open()
			body, _ := io.ReadAll(rc)
			if !strings.Contains(string(body), "p-1,,Åsa,,Öberg") {
				t.Errorf("students.csv in the archive: %q", body)
			}
		}
	}
	if got := strings.Join(names, ","); got != "classes.csv,courses.csv,locations.csv,rosters.csv,staff.csv,students.csv" {
		t.Errorf("the archive holds %s", got)
	}
	if left, _ := filepath.Glob(filepath.Join(srv.dir, ".*")); len(left) != 0 {
		t.Errorf("temporary files left on the server: %v", left)
	}
}

// A server showing another host key, a missing host key and a wrong password are refused
// before anything is written, and no error holds the password.
func TestUploadRefusesUnknownServersAndBadCredentials(t *testing.T) {
	srv := newServer(t)
	other := newServer(t)
	tg := target(t)
	for _, tc := range []struct {
		name string
		cfg  asmsftp.Config
		want error
	}{
		{"wrong host key", asmsftp.Config{Addr: srv.addr, User: "school", Password: password, HostKey: other.key}, nil},
		{"no host key", asmsftp.Config{Addr: srv.addr, User: "school", Password: password}, asmsftp.ErrNoHostKey},
		{"wrong password", asmsftp.Config{Addr: srv.addr, User: "school", Password: password + "x", HostKey: srv.key}, nil},
		{"no credentials", asmsftp.Config{Addr: srv.addr, User: "school", HostKey: srv.key}, asmsftp.ErrNoAuth},
	} {
		_, err := asmsftp.Upload(context.Background(), tc.cfg, tg)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: err %v, want a refusal (%v)", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), password) {
			t.Errorf("%s: the error holds the password", tc.name)
		}
		if files, _ := os.ReadDir(srv.dir); len(files) != 0 {
			t.Errorf("%s: something reached the server", tc.name)
		}
	}
}
