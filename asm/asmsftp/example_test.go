package asmsftp_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/edusync/edusync/asm/asmsftp"
)

// The current Apple School Manager upload sent to an SFTP server whose host key is known (here
// an in-process server; in a host, the key Apple shows, parsed with ssh.ParseAuthorizedKey).
func ExampleUpload() {
	dir, _ := os.MkdirTemp("", "asmsftp-example")
	defer os.RemoveAll(dir)
	srv, stop, err := listen(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer stop()
	target, err := committed(dir + "/sets")
	if err != nil {
		log.Fatal(err)
	}
	res, err := asmsftp.Upload(context.Background(), asmsftp.Config{Addr: srv.addr, User: "school", Password: password, HostKey: srv.key}, target)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Set, res.Path)
	// Output: sets/set-000001 edusync-asm.zip
}
