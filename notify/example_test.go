package notify_test

import (
	"context"
	"fmt"
	"time"

	"github.com/edusync/edusync/notify"
	"github.com/edusync/edusync/notify/notifytest"
	"github.com/edusync/edusync/store"
)

// A flow reports a failure to the chat channel and the daily digest; a second failure of a
// kind the institution blacklisted reaches only the digest, which goes out the next morning.
func Example() {
	ctx := context.Background()
	chat := notifytest.NewChatReceiver() // Slack's incoming webhook in production
	defer chat.Close()
	smtpd, _ := notifytest.NewSMTPServer() // the institution's mail server in production
	defer smtpd.Close()
	st := store.NewMemory() // sqlite.Open(ctx, path) in production
	defer st.Close()

	now := time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC)
	n, err := notify.New(
		notify.WithChatWebhook(chat.URL()),
		notify.WithBlacklist("185", "wiseflow-module-missing"),
		notify.WithDigest(&notify.Digest{
			Store:      st,
			SMTP:       notify.SMTP{Addr: smtpd.Addr(), From: "edusync@sikt.no"},
			Recipients: []notify.Recipient{{Address: "exam@uio.no", OrgIDs: []string{"185"}}},
			Location:   time.UTC,
		}),
		notify.WithClock(func() time.Time { return now }),
	)
	if err != nil {
		panic(err)
	}
	_ = n.Notify(ctx, notify.Alert{
		Module: "examsync", Submodule: "inspera-explanation", Kind: "inspera-refused",
		OrgID: "185", OrgShortName: "uio", ExamSystem: "INSPERA", VurdID: "INF1000-2026-HØST",
		Message:  "explanation request refused for personlopenr 734521",
		Personal: []string{"734521"},
	})
	_ = n.Notify(ctx, notify.Alert{Module: "examsync", Submodule: "wiseflow-appeal", Kind: "wiseflow-module-missing", OrgID: "185", OrgShortName: "uio"})

	for _, m := range chat.Messages() {
		fmt.Println("chat:", m.Text, "|", m.Attachments[0].Text)
	}
	now = now.Add(18 * time.Hour) // 08:00 the next morning
	sent, _ := n.Digest().SendDue(ctx)
	fmt.Println("digests sent:", sent, "to", smtpd.Mails()[0].To)
	// Output:
	// chat: examsync/inspera-explanation failed for uio (185): inspera-refused | explanation request refused for personlopenr [redacted]
	// digests sent: 1 to [exam@uio.no]
}
