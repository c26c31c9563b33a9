package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"slices"
	"strings"
	"time"

	"github.com/edusync/edusync/store"
)

// Digest is the opt-in daily e-mail of failures: every alert of a day (blacklisted kinds
// included) is kept in a store until the next morning, when each recipient is sent one mail
// with the failures of the tenants they follow. The alerts are kept redacted, and survive
// restarts; a recipient gets a day's mail once (at least once: a crash between the SMTP
// server's acceptance and the store's record sends it again).
type Digest struct {
	// Store keeps the day's alerts and which mails went out (required).
	Store store.Store
	// Scope is where in Store (default: flow "notify-digest").
	Scope store.Scope
	// SMTP is the mail server the digests go through (required).
	SMTP SMTP
	// Recipients opt in, each for some tenants or all (required, at least one).
	Recipients []Recipient
	// At is how long after midnight (in Location) the previous day's digest goes out
	// (default 6 h).
	At time.Duration
	// Location is the digest's time zone (default Europe/Oslo, UTC where unknown).
	Location *time.Location

	now func() time.Time
	log *slog.Logger
}

// SMTP says how to reach the mail server.
type SMTP struct {
	// Addr is host:port.
	Addr string
	// From is the sender's address.
	From string
	// Auth authenticates (optional); net/smtp's PlainAuth refuses to send a password over an
	// unencrypted connection to anything but localhost.
	Auth smtp.Auth
	// TLS, when set, makes STARTTLS required; without it STARTTLS is used when offered.
	TLS *tls.Config
	// Timeout bounds one mail's conversation (default 30 s).
	Timeout time.Duration
}

// Recipient is an address that opted in to the digest.
type Recipient struct {
	Address string
	// OrgIDs are the tenants whose failures the recipient gets; empty means all.
	OrgIDs []string
}

const (
	alertPrefix = "alert/"
	sentPrefix  = "sent/"
	dayLayout   = "2006-01-02"
	// pageSize is how many alerts are read at a time, so that a day of many failures is
	// summarised in bounded memory.
	pageSize = 500
	// maxDetail is how many failures a mail lists one by one; the rest are counted.
	maxDetail = 200
	// maxGroups bounds the summary table; further combinations are counted as "other".
	maxGroups = 200
)

func (d *Digest) validate() error {
	if d == nil || d.Store == nil {
		return fmt.Errorf("%w: a digest needs a store", ErrInvalid)
	}
	if _, _, err := net.SplitHostPort(d.SMTP.Addr); err != nil {
		return fmt.Errorf("%w: the SMTP address must be host:port", ErrInvalid)
	}
	if err := validAddress(d.SMTP.From); err != nil {
		return fmt.Errorf("%w: the sender: %v", ErrInvalid, err)
	}
	if len(d.Recipients) == 0 {
		return fmt.Errorf("%w: a digest needs at least one recipient", ErrInvalid)
	}
	for i, r := range d.Recipients {
		if err := validAddress(r.Address); err != nil {
			return fmt.Errorf("%w: recipient %d: %v", ErrInvalid, i, err)
		}
	}
	if d.At < 0 || d.At >= 24*time.Hour {
		return fmt.Errorf("%w: the digest's time must be within the day", ErrInvalid)
	}
	if d.Scope == (store.Scope{}) {
		d.Scope = store.Scope{Flow: "notify-digest"}
	}
	if d.At == 0 {
		d.At = 6 * time.Hour
	}
	if d.Location == nil {
		if loc, err := time.LoadLocation("Europe/Oslo"); err == nil {
			d.Location = loc
		} else {
			d.Location = time.UTC
		}
	}
	if d.SMTP.Timeout <= 0 {
		d.SMTP.Timeout = 30 * time.Second
	}
	if d.now == nil {
		d.now = time.Now
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	return nil
}

// validAddress accepts a bare address (no display name, nothing that could add a header).
func validAddress(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || strings.ContainsAny(s, "\r\n<>,") {
		return errors.New("not a bare e-mail address")
	}
	return nil
}

// add keeps a redacted alert for its day's digest.
func (d *Digest) add(ctx context.Context, a Alert) error {
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	t := a.Time.In(d.Location)
	key := fmt.Sprintf("%s%s/%020d-%s", alertPrefix, t.Format(dayLayout), t.UnixNano(), hex.EncodeToString(rnd[:]))
	err := d.Store.Update(ctx, d.Scope, func(tx store.Tx) error { return store.Put(tx, key, a) })
	if err != nil {
		return fmt.Errorf("notify: keeping the alert for the digest: %w", err)
	}
	return nil
}

// days lists the days that have alerts waiting, oldest first.
func (d *Digest) days(ctx context.Context) ([]string, error) {
	var days []string
	after := alertPrefix
	for {
		var es []store.Entry[[]byte]
		err := d.Store.View(ctx, d.Scope, func(tx store.Tx) error {
			var err error
			es, err = tx.ValuesFrom(alertPrefix, after, 1)
			return err
		})
		if err != nil || len(es) == 0 {
			return days, err
		}
		day, _, _ := strings.Cut(strings.TrimPrefix(es[0].Key, alertPrefix), "/")
		days = append(days, day)
		after = alertPrefix + day + "/\xff"
	}
}

// SendDue sends the digests of every finished day whose sending time has passed and not yet
// sent, and returns how many mails went out.
func (d *Digest) SendDue(ctx context.Context) (int, error) {
	days, err := d.days(ctx)
	if err != nil {
		return 0, fmt.Errorf("notify: listing the digest's days: %w", err)
	}
	now := d.now().In(d.Location)
	sent := 0
	var errs []error
	for _, day := range days {
		t, err := time.ParseInLocation(dayLayout, day, d.Location)
		if err != nil || now.Before(t.AddDate(0, 0, 1).Add(d.At)) {
			continue
		}
		n, err := d.SendDay(ctx, t)
		sent += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	return sent, errors.Join(errs...)
}

// SendDay sends the digest of day to every recipient that has not had it, then forgets the
// day's alerts once all have. An operator may call it to send a day again after adding a
// recipient, before the alerts are gone.
func (d *Digest) SendDay(ctx context.Context, day time.Time) (int, error) {
	name := day.In(d.Location).Format(dayLayout)
	sent := 0
	var errs []error
	for i, r := range d.Recipients {
		mark := sentPrefix + name + "/" + r.Address
		var done bool
		if err := d.Store.View(ctx, d.Scope, func(tx store.Tx) error {
			var err error
			done, err = tx.IsProcessed(mark)
			return err
		}); err != nil {
			return sent, err
		}
		if done {
			continue
		}
		msg, count, err := d.compose(ctx, name, r)
		if err != nil {
			return sent, err
		}
		if count > 0 {
			if err := d.SMTP.send(ctx, r.Address, msg); err != nil {
				errs = append(errs, fmt.Errorf("%w to recipient %d: %w", ErrMail, i, err))
				continue
			}
			sent++
		}
		if err := d.Store.Update(ctx, d.Scope, func(tx store.Tx) error {
			return tx.MarkProcessed(mark, d.now().AddDate(0, 0, 30))
		}); err != nil {
			return sent, err
		}
	}
	if len(errs) == 0 {
		return sent, d.forget(ctx, name)
	}
	return sent, errors.Join(errs...)
}

// forget deletes a sent day's alerts, a page per transaction.
func (d *Digest) forget(ctx context.Context, day string) error {
	prefix := alertPrefix + day + "/"
	for {
		n := 0
		err := d.Store.Update(ctx, d.Scope, func(tx store.Tx) error {
			es, err := tx.ValuesFrom(prefix, prefix, pageSize)
			n = len(es)
			for _, e := range es {
				if err == nil {
					err = tx.DeleteValue(e.Key)
				}
			}
			return err
		})
		if err != nil || n < pageSize {
			return err
		}
	}
}

// Pending returns how many alerts wait for a digest.
func (d *Digest) Pending(ctx context.Context) (int, error) {
	n := 0
	err := d.Store.View(ctx, d.Scope, func(tx store.Tx) error {
		after := alertPrefix
		for {
			es, err := tx.ValuesFrom(alertPrefix, after, pageSize)
			if err != nil || len(es) == 0 {
				return err
			}
			n += len(es)
			after = es[len(es)-1].Key
		}
	})
	return n, err
}

// Run sends due digests every interval (default 10 minutes) until ctx ends; failures are
// logged and tried again on the next round.
func (d *Digest) Run(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		every = 10 * time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := d.SendDue(ctx); err != nil && ctx.Err() == nil {
			d.log.Warn("notify: sending the digest failed; trying again later", "error", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

type group struct{ org, module, kind string }

// compose builds a recipient's mail for a day, reading the alerts a page at a time.
func (d *Digest) compose(ctx context.Context, day string, r Recipient) ([]byte, int, error) {
	prefix := alertPrefix + day + "/"
	counts := map[group]int{}
	var order []group
	var detail strings.Builder
	total := 0
	after := prefix
	for {
		var es []store.Entry[Alert]
		err := d.Store.View(ctx, d.Scope, func(tx store.Tx) error {
			var err error
			es, err = store.ListFrom[Alert](tx, prefix, after, pageSize)
			return err
		})
		if err != nil {
			return nil, 0, fmt.Errorf("notify: reading the digest's alerts: %w", err)
		}
		if len(es) == 0 {
			break
		}
		after = es[len(es)-1].Key
		for _, e := range es {
			a := e.Value
			if len(r.OrgIDs) > 0 && !slices.Contains(r.OrgIDs, a.OrgID) {
				continue
			}
			total++
			g := group{org: strings.TrimSpace(a.OrgShortName + " " + a.OrgID), module: strings.Trim(a.Module+"/"+a.Submodule, "/"), kind: a.Kind}
			if _, ok := counts[g]; !ok {
				if len(order) >= maxGroups {
					g = group{org: "other", module: "other", kind: "other"}
				}
				if _, ok := counts[g]; !ok {
					order = append(order, g)
				}
			}
			counts[g]++
			if total <= maxDetail {
				fmt.Fprintf(&detail, "%s  %s\n", a.Time.In(d.Location).Format("15:04:05"), a.title())
				for _, f := range a.facts() {
					fmt.Fprintf(&detail, "    %s: %s\n", f.Name, f.Value)
				}
				if a.Message != "" {
					fmt.Fprintf(&detail, "    message: %s\n", a.Message)
				}
			}
		}
	}
	if total == 0 {
		return nil, 0, nil
	}
	var body strings.Builder
	fmt.Fprintf(&body, "edusync recorded %d failure(s) on %s.\n\nBy institution, module and kind:\n", total, day)
	for _, g := range order {
		fmt.Fprintf(&body, "  %6d  %s  %s  %s\n", counts[g], g.org, g.module, g.kind)
	}
	body.WriteString("\nFailures:\n")
	body.WriteString(detail.String())
	if total > maxDetail {
		fmt.Fprintf(&body, "... and %d more.\n", total-maxDetail)
	}
	var msg bytes.Buffer
	now := d.now()
	var id [8]byte
	_, _ = rand.Read(id[:])
	host := "edusync.invalid"
	if _, h, ok := strings.Cut(d.SMTP.From, "@"); ok {
		host = h
	}
	fmt.Fprintf(&msg, "From: %s\r\nTo: %s\r\nSubject: edusync: %d failure(s) on %s\r\nDate: %s\r\nMessage-ID: <%s@%s>\r\n",
		d.SMTP.From, r.Address, total, day, now.Format(time.RFC1123Z), hex.EncodeToString(id[:]), host)
	msg.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&msg)
	_, _ = qp.Write([]byte(strings.ReplaceAll(body.String(), "\n", "\r\n")))
	_ = qp.Close()
	return msg.Bytes(), total, nil
}

// send hands one mail to the SMTP server, within the timeout and ctx.
func (s SMTP) send(ctx context.Context, to string, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	host, _, _ := net.SplitHostPort(s.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		_ = conn.Close()
		return err
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := s.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: host}
		}
		if err := c.StartTLS(cfg); err != nil {
			return err
		}
	} else if s.TLS != nil {
		return errors.New("the server does not offer STARTTLS, which is required")
	}
	if s.Auth != nil {
		if err := c.Auth(s.Auth); err != nil {
			return err
		}
	}
	if err := c.Mail(s.From); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}
