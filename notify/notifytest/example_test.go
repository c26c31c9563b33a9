package notifytest_test

import (
	"context"
	"fmt"

	"github.com/edusync/edusync/notify"
	"github.com/edusync/edusync/notify/notifytest"
)

// A host checks that a failure of its flow reaches the chat channel.
func Example() {
	chat := notifytest.NewChatReceiver()
	defer chat.Close()
	n, _ := notify.New(notify.WithChatWebhook(chat.URL()))
	_ = n.Notify(context.Background(), notify.Alert{Module: "archive", OrgID: "185", OrgShortName: "uio", Kind: "archive-refused"})
	fmt.Println(chat.Messages()[0].Text)
	// Output: archive failed for uio (185): archive-refused
}
