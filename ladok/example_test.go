package ladok_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladoktest"
)

func ExampleParseFeed() {
	page := `<feed xmlns="http://www.w3.org/2005/Atom">
	  <id>urn:id:12</id>
	  <link rel="prev-archive" href="https://api.ladok.se/handelser/feed/11"/>
	  <entry><id>e-2</id><content type="application/vnd.ladok+xml">
	    <ki:OrganisationUppdateradEvent xmlns:ki="http://schemas.ladok.se/kataloginformation" xmlns:events="http://schemas.ladok.se/events">
	      <events:HandelseUID>h-2</events:HandelseUID><ki:OrganisationUID>o-1</ki:OrganisationUID>
	    </ki:OrganisationUppdateradEvent></content></entry>
	  <entry><id>e-1</id><content type="application/vnd.ladok+xml">
	    <si:StudentrestriktionEvent xmlns:si="http://schemas.ladok.se/studentinformation" xmlns:base="http://schemas.ladok.se" xmlns:events="http://schemas.ladok.se/events">
	      <events:HandelseUID>h-1</events:HandelseUID><si:Handelsetyp>SKAPAD</si:Handelsetyp>
	      <si:Giltighetsperiod><base:Startdatum>2026-10-01</base:Startdatum><base:Slutdatum>2026-11-30</base:Slutdatum></si:Giltighetsperiod>
	      <si:Restriktionstyp>AVSTANGNING</si:Restriktionstyp><si:StudentUID>s-1</si:StudentUID>
	    </si:StudentrestriktionEvent></content></entry>
	</feed>`
	feed, err := ladok.ParseFeed(strings.NewReader(page))
	if err != nil {
		panic(err)
	}
	fmt.Println("older page:", feed.Link(ladok.RelPrevArchive))
	// Entries are newest first; walk backwards for the order they happened in.
	for i := len(feed.Entries) - 1; i >= 0; i-- {
		switch ev := feed.Entries[i].Event.(type) {
		case *ladok.StudentrestriktionEvent:
			end, _, _ := ev.Ends()
			fmt.Println(ev.Name(), ev.StudentUID, "suspended:", ev.IsSuspension(), "last day:", end.Format(time.DateOnly))
		case *ladok.GenericEvent:
			fmt.Println(ev.Name(), "(generic)", ev.HandelseUID)
		}
	}
	// Output:
	// older page: https://api.ladok.se/handelser/feed/11
	// StudentrestriktionEvent s-1 suspended: true last day: 2026-11-30
	// OrganisationUppdateradEvent (generic) h-2
}

func ExampleBaseURLFor() {
	// Ladok writes the environment into the certificate's OU.
	ca, err := ladoktest.NewCA()
	if err != nil {
		panic(err)
	}
	now := time.Now()
	creds, err := ca.ClientCertificate("integration.uni.example.se", "Int-test-API", now, now.AddDate(1, 0, 0))
	if err != nil {
		panic(err)
	}
	url, err := ladok.BaseURLFor(creds.Leaf)
	if err != nil {
		panic(err)
	}
	fmt.Println(url)
	// Output: https://api.integrationstest.ladok.se
}

func ExampleMarshalEvent() {
	b, err := ladok.MarshalEvent(&ladok.AvbrottEvent{
		Header:     ladok.Header{HandelseUID: "h-1"},
		StudentUID: "s-1", Avbrottsdatum: "2026-10-15",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(string(b))
	// Output: <sd:AvbrottEvent xmlns:sd="http://schemas.ladok.se/studiedeltagande" xmlns:base="http://schemas.ladok.se" xmlns:events="http://schemas.ladok.se/events"><events:HandelseUID>h-1</events:HandelseUID><sd:Avbrottsdatum>2026-10-15</sd:Avbrottsdatum><sd:StudentUID>s-1</sd:StudentUID></sd:AvbrottEvent>
}
