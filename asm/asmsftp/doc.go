// Package asmsftp uploads Apple School Manager sets (package asm) over SFTP, as Apple takes
// them: every file of the upload, each time, in one zip archive with the files at its root.
// It is a package of its own so that users of asm who deliver otherwise do not download the
// SSH libraries (golang.org/x/crypto/ssh, github.com/pkg/sftp).
//
//	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(appleHostKey)) // the server key Apple shows
//	res, err := asmsftp.Upload(ctx, asmsftp.Config{Addr: addr, // host:port from the SFTP settings in Apple School Manager
//		User: user, Password: password, HostKey: key}, target)
//
// The server's host key is required and checked: an upload to a server that shows another key
// is refused before anything is sent. The archive is written under a temporary name and renamed
// into place, so the server never picks up half an upload. Call Upload after each pipeline run
// that committed a new set (Target.LastCommit), or on a schedule: Apple School Manager expects
// every upload to hold every file, which the archive always does.
package asmsftp
