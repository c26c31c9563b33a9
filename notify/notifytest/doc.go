// Package notifytest holds local receivers for testing what package notify sends: a chat
// webhook that records the Slack-compatible messages it is posted (and can refuse or fail on
// demand), and a small SMTP server that records the mails handed to it. Hosts use them to
// check their alerting without a chat service or a mail server.
package notifytest
