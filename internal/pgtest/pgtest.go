// Package pgtest gives tests a PostgreSQL server: the one EDUSYNC_POSTGRES_URL names, or else a
// throwaway cluster it makes with the PostgreSQL binaries of the machine (initdb and postgres
// from PATH or Debian's /usr/lib/postgresql/<version>/bin) in a temporary directory, listening
// only on a Unix socket in that directory, and removes when the tests are done. initdb and
// postgres refuse to run as root, so a root test process runs them as the postgres user (or
// nobody). The server is a child of the test process and is told to stop when that process dies,
// however it dies.
//
// Tests start one Server in TestMain, skip with ErrNoBinaries' message where there is neither a
// URL nor binaries, and give each test its own schema (NewSchema).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the environment variable with the URL of an existing server to test against
// instead of a throwaway cluster, e.g. postgres://edusync:secret@localhost:5432/edusync_test.
// The role needs to create schemas in that database; the tests drop the schemas they made.
const EnvURL = "EDUSYNC_POSTGRES_URL"

// ErrNoBinaries is returned by Start where neither EnvURL is set nor PostgreSQL is installed.
var ErrNoBinaries = errors.New("pgtest: no PostgreSQL server: set " + EnvURL +
	" or install PostgreSQL (Debian: apt-get install postgresql; initdb and postgres are looked for in PATH and /usr/lib/postgresql/*/bin)")

// Server is a PostgreSQL server for tests.
type Server struct {
	// URL connects to it as a role that may create schemas.
	URL string
	// Throwaway is true when the server is a cluster Start made (and Stop removes).
	Throwaway bool

	dir  string
	cmd  *exec.Cmd
	exit chan error
}

// Start returns the server EnvURL names or, when it is not set, starts a throwaway cluster.
func Start() (*Server, error) {
	if u := os.Getenv(EnvURL); u != "" {
		return &Server{URL: u}, nil
	}
	bin, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	return startCluster(bin)
}

// FindBinaries returns the directory holding initdb and postgres: PATH's, else the newest
// version under /usr/lib/postgresql.
func FindBinaries() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if p, err = filepath.EvalSymlinks(p); err == nil {
			dir := filepath.Dir(p)
			if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
				return dir, nil
			}
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", ErrNoBinaries
}

// version is the major version in a /usr/lib/postgresql/<version>/bin path.
func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// runAs is who runs the server: nil for the test process's own user, else (when root) the
// postgres user or nobody.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 == nil && err2 == nil {
			return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
		}
	}
	return nil, errors.New("pgtest: running as root, and there is neither a postgres nor a nobody user to run PostgreSQL as")
}

func startCluster(bin string) (*Server, error) {
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	// The socket's path must stay short (about 100 bytes), so the directory is made in /tmp
	// when the usual temporary directory's path is long.
	base := os.TempDir()
	if len(base) > 60 {
		base = "/tmp"
	}
	sweep(base)
	dir, err := os.MkdirTemp(base, "edusync-pg-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s := &Server{dir: dir, Throwaway: true}
	if err := s.start(bin, cred); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Server) start(bin string, cred *syscall.Credential) error {
	if cred != nil {
		if err := os.Chown(s.dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return fmt.Errorf("pgtest: %w", err)
		}
	}
	data := filepath.Join(s.dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Env = append(os.Environ(), "LC_ALL=C")
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: initdb in %s: %v\n%s", s.dir, err, tail(out))
	}
	logPath := filepath.Join(s.dir, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer logFile.Close()
	// Durable as in production (fsync on), so that benchmarks measure what a deployment
	// pays; no TCP at all, the socket is in the private directory.
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", s.dir, "-p", "5432",
		"-c", "listen_addresses=", "-c", "max_connections=200", "-c", "shared_buffers=64MB",
		"-c", "deadlock_timeout=100ms") // tests that provoke a deadlock need not wait a second
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: starting postgres: %w", err)
	}
	s.exit = make(chan error, 1)
	go func() { s.exit <- s.cmd.Wait() }()
	s.URL = (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/postgres",
		RawQuery: url.Values{"host": {s.dir}, "port": {"5432"}, "sslmode": {"disable"}}.Encode()}).String()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, s.URL)
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case werr := <-s.exit:
			s.exit <- werr
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("pgtest: postgres exited: %v\n%s", werr, tail(log))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("pgtest: postgres did not accept connections within a minute: %v\n%s", err, tail(log))
		}
	}
}

// sweep removes the directories of clusters whose test process was killed before it could
// (the server itself stops when its test process dies): older than ten minutes, with no
// server running in them.
func sweep(base string) {
	dirs, _ := filepath.Glob(filepath.Join(base, "edusync-pg-*"))
	for _, d := range dirs {
		fi, err := os.Stat(d)
		if err != nil || !fi.IsDir() || time.Since(fi.ModTime()) < 10*time.Minute {
			continue
		}
		if pid, err := os.ReadFile(filepath.Join(d, "data", "postmaster.pid")); err == nil {
			first, _, _ := strings.Cut(string(pid), "\n")
			if n, err := strconv.Atoi(strings.TrimSpace(first)); err == nil && alive(n) {
				continue // running
			}
		}
		_ = os.RemoveAll(d)
	}
}

// alive reports whether process pid exists (another user's included).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// tail is the end of a log, for errors.
func tail(b []byte) string {
	const n = 2000
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.TrimSpace(string(b))
}

// Stop shuts a throwaway cluster down and removes its directory; for a server EnvURL named it
// does nothing.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGINT) // fast shutdown: clients are cut off
		select {
		case <-s.exit:
		case <-time.After(20 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exit
		}
	}
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
}

// NewSchema returns a schema name no other test (nor another test run on a shared server) has
// used, and a function that drops it with everything in it.
func (s *Server) NewSchema(prefix string) (name string, drop func() error) {
	var r [4]byte
	_, _ = rand.Read(r[:])
	name = fmt.Sprintf("%s_%d_%s", prefix, os.Getpid(), hex.EncodeToString(r[:]))
	return name, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, s.URL)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE")
		return err
	}
}
