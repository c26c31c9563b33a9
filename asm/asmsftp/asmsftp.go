package asmsftp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"path"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/edusync/edusync/asm"
)

// Config says where and how to upload.
type Config struct {
	// Addr is the SFTP server's host:port (Apple shows it in the SFTP settings of the
	// organisation).
	Addr string
	// User is the SFTP user name.
	User string
	// Password authenticates the user (Apple's SFTP accounts use passwords); Signer, when set,
	// authenticates with a key instead.
	Password string
	Signer   ssh.Signer
	// HostKey is the server's public key, required: the upload refuses a server that shows
	// another key (ssh.ParsePublicKey or ssh.ParseAuthorizedKey of the key you were given, or
	// knownhosts via HostKeyCallback).
	HostKey ssh.PublicKey
	// HostKeyCallback checks the server's key instead of HostKey (for example
	// knownhosts.New); exactly one of the two is required.
	HostKeyCallback ssh.HostKeyCallback
	// Dir is the remote directory (default: the login directory).
	Dir string
	// Name is the archive's file name (default "edusync-asm.zip"; Apple takes any name).
	Name string
	// Timeout bounds the connection and the upload (default 5 minutes).
	Timeout time.Duration
}

// Errors of Upload.
var (
	// ErrNoHostKey means neither HostKey nor HostKeyCallback is set: an upload never trusts
	// an unknown server.
	ErrNoHostKey = errors.New("asmsftp: the server's host key is required (Config.HostKey or HostKeyCallback)")
	// ErrNoAuth means neither Password nor Signer is set.
	ErrNoAuth = errors.New("asmsftp: a password or a key is required")
)

// Result says what an upload sent.
type Result struct {
	// Set is the name of the upload (the target's current set) that was sent.
	Set string
	// Path is the remote path of the archive.
	Path string
	// Bytes is the archive's size.
	Bytes int
}

// Upload sends the target's current upload, all six files in one archive, to the server: it
// writes the archive under a temporary name (a dot and ".part" around the name), then renames
// it into place, so Apple School Manager never picks up half an archive. A failed upload
// removes its temporary file. Errors hold no password.
func Upload(ctx context.Context, c Config, t *asm.Target) (Result, error) {
	if c.HostKey == nil && c.HostKeyCallback == nil {
		return Result{}, ErrNoHostKey
	}
	var auth []ssh.AuthMethod
	if c.Signer != nil {
		auth = append(auth, ssh.PublicKeys(c.Signer))
	}
	if c.Password != "" {
		auth = append(auth, ssh.Password(c.Password))
	}
	if len(auth) == 0 {
		return Result{}, ErrNoAuth
	}
	callback := c.HostKeyCallback
	if callback == nil {
		callback = ssh.FixedHostKey(c.HostKey)
	}
	if c.Name == "" {
		c.Name = "edusync-asm.zip"
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Minute
	}
	var archive bytes.Buffer
	set, err := t.Zip(&archive)
	if err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", c.Addr)
	if err != nil {
		return Result{}, fmt.Errorf("asmsftp: connecting: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	sc, chans, reqs, err := ssh.NewClientConn(conn, c.Addr, &ssh.ClientConfig{User: c.User, Auth: auth,
		HostKeyCallback: callback, Timeout: c.Timeout})
	if err != nil {
		conn.Close()
		return Result{}, fmt.Errorf("asmsftp: SSH handshake with %s: %w", c.Addr, err)
	}
	client := ssh.NewClient(sc, chans, reqs)
	defer client.Close()
	fc, err := sftp.NewClient(client)
	if err != nil {
		return Result{}, fmt.Errorf("asmsftp: starting SFTP: %w", err)
	}
	defer fc.Close()
	final := path.Join(c.Dir, c.Name)
	if c.Dir == "" {
		final = c.Name
	}
	tmp := path.Join(path.Dir(final), "."+path.Base(final)+".part")
	f, err := fc.Create(tmp)
	if err != nil {
		return Result{}, fmt.Errorf("asmsftp: creating %s: %w", tmp, err)
	}
	_, err = f.Write(archive.Bytes())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		fc.Remove(final) // a rename onto an existing file fails on servers without posix-rename
		if err = fc.PosixRename(tmp, final); err != nil {
			err = fc.Rename(tmp, final)
		}
	}
	if err != nil {
		fc.Remove(tmp)
		return Result{}, fmt.Errorf("asmsftp: uploading %s: %w", final, err)
	}
	return Result{Set: set, Path: final, Bytes: archive.Len()}, nil
}
