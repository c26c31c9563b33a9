package notifytest

import (
	"bufio"
	"bytes"
	"net"
	"strings"
	"sync"
	"time"
)

// Mail is a message the SMTPServer accepted.
type Mail struct {
	From string
	To   []string
	// Data is the message as sent (headers and body), dot-stuffing undone.
	Data []byte
}

// SMTPServer is a small local SMTP server (RFC 5321's plain conversation: EHLO/HELO, MAIL,
// RCPT, DATA, RSET, NOOP, QUIT; no TLS, no AUTH) that records what it is sent.
type SMTPServer struct {
	ln net.Listener
	wg sync.WaitGroup

	mu     sync.Mutex
	mails  []Mail
	reject int // refuse the next n DATA with 451
}

// maxData bounds a message, as a real server's size limit does.
const maxData = 10 << 20

// NewSMTPServer starts a server on a free local port; Close stops it.
func NewSMTPServer() (*SMTPServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &SMTPServer{ln: ln}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr is the server's host:port.
func (s *SMTPServer) Addr() string { return s.ln.Addr().String() }

// Close stops the server and waits for its conversations to end.
func (s *SMTPServer) Close() error {
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

// RejectNext makes the next n messages be refused after DATA (451, a temporary failure).
func (s *SMTPServer) RejectNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject = n
}

// Mails returns the mails accepted so far.
func (s *SMTPServer) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

func (s *SMTPServer) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.converse(c)
		}()
	}
}

func (s *SMTPServer) converse(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Minute))
	r := bufio.NewReaderSize(c, 4096)
	w := bufio.NewWriter(c)
	reply := func(line string) bool {
		_, _ = w.WriteString(line + "\r\n")
		return w.Flush() == nil
	}
	readLine := func() (string, bool) {
		line, err := r.ReadString('\n')
		if err != nil || len(line) > 1000 {
			return "", false
		}
		return strings.TrimRight(line, "\r\n"), true
	}
	if !reply("220 notifytest ESMTP ready") {
		return
	}
	var cur Mail
	for {
		line, ok := readLine()
		if !ok {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			ok = reply("250-notifytest greets " + arg + "\r\n250-8BITMIME\r\n250 SIZE 10485760")
		case "HELO":
			ok = reply("250 notifytest")
		case "MAIL":
			cur = Mail{From: addrOf(arg)}
			ok = reply("250 OK")
		case "RCPT":
			if cur.From == "" {
				ok = reply("503 MAIL first")
				break
			}
			cur.To = append(cur.To, addrOf(arg))
			ok = reply("250 OK")
		case "DATA":
			if len(cur.To) == 0 {
				ok = reply("503 RCPT first")
				break
			}
			if !reply("354 end with <CRLF>.<CRLF>") {
				return
			}
			var data bytes.Buffer
			for {
				l, ok := readLine()
				if !ok {
					return
				}
				if l == "." {
					break
				}
				l = strings.TrimPrefix(l, ".")
				if data.Len()+len(l) > maxData {
					_ = reply("552 too big")
					return
				}
				data.WriteString(l + "\r\n")
			}
			s.mu.Lock()
			refuse := s.reject > 0
			if refuse {
				s.reject--
			} else {
				cur.Data = data.Bytes()
				s.mails = append(s.mails, cur)
			}
			s.mu.Unlock()
			cur = Mail{}
			if refuse {
				ok = reply("451 try again later")
			} else {
				ok = reply("250 OK queued")
			}
		case "RSET":
			cur = Mail{}
			ok = reply("250 OK")
		case "NOOP":
			ok = reply("250 OK")
		case "QUIT":
			_ = reply("221 bye")
			return
		default:
			ok = reply("502 not implemented")
		}
		if !ok {
			return
		}
	}
}

// addrOf takes the address out of "FROM:<a@b>" or "TO:<a@b> SIZE=1".
func addrOf(arg string) string {
	_, a, _ := strings.Cut(arg, "<")
	a, _, _ = strings.Cut(a, ">")
	return a
}
