package ss12000server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/edusync/edusync/internal/ss12000serve"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/store"
)

// Defaults of the options.
const (
	// DefaultFlow is the store flow the provider keeps its state under (Options.Scope).
	DefaultFlow = "ss12000server"
	// DefaultLimit is the page size when a list request sets no limit.
	DefaultLimit = 100
	// DefaultMaxLimit caps the limit a receiver may ask for; larger limits get pages of this size.
	DefaultMaxLimit = 1000
	// DefaultMaxLookup is how many keys one lookup body may carry before it is refused (413).
	DefaultMaxLookup = 100
	// DefaultPageTokenTTL is how long a pageToken stays usable after the page that carried it.
	DefaultPageTokenTTL = 10 * time.Minute
	// DefaultListingLifetime is how long a sorted listing is kept from its first page on.
	DefaultListingLifetime = time.Hour
	// DefaultSubscriptionLifetime is how long a subscription lives before it must be renewed
	// (as Skolverket's reference server: 90 days).
	DefaultSubscriptionLifetime = 90 * 24 * time.Hour
	// DefaultCallbackRetries is how often a failed callback is repeated (as Skolverket's
	// reference server: 4 times).
	DefaultCallbackRetries = 4
	// DefaultCallbackBackoff is the wait before the first repetition; it doubles after each.
	DefaultCallbackBackoff = 2 * time.Second
	// DefaultCallbackTimeout bounds one callback request.
	DefaultCallbackTimeout = 10 * time.Second
	// DefaultMaxBody caps request bodies; larger ones are answered 413.
	DefaultMaxBody = 1 << 20
	// DefaultMaxInFlight is how many requests are served at once; more are answered 503.
	DefaultMaxInFlight = 32
	// DefaultRetention is how long removals (for /deletedEntities) and received log and
	// statistics entries are kept.
	DefaultRetention = 90 * 24 * time.Hour
	// DefaultMaxSubscriptions is how many live subscriptions one receiver may hold.
	DefaultMaxSubscriptions = 10
)

// Spelling chooses between a field name the standard misspells and the correct one: callbacks
// list the changed types under "modifiedEntites" (StandardSpelling, as SS 12000 writes it),
// "modifiedEntities" (CorrectSpelling, what Skolverket's DNP client reads) or both;
// /deletedEntities lists removed activities under "activitites", "activities" or both.
type Spelling = ss12000serve.Spelling

// The spellings.
const (
	StandardSpelling = ss12000serve.StandardSpelling
	CorrectSpelling  = ss12000serve.CorrectSpelling
	BothSpellings    = ss12000serve.BothSpellings
)

// Options configure a Provider. The zero value of every field is its default; Receivers is
// required.
type Options struct {
	// Scope is where the provider keeps its state in the store (default: flow DefaultFlow, no
	// tenant). Several providers (one per municipality) share a store under different tenants.
	Scope store.Scope
	// BasePath is the path the API is served under ("/ss12000/v2"; default: the root). Paths of
	// requests outside it are 404.
	BasePath string
	// Receivers are the systems allowed to read, each with how it authenticates and what it may
	// see. At least one.
	Receivers []Receiver
	// Vocabulary says how the source's roles and types read in SS 12000 (default: the
	// vocabulary of ss12000sync, SS 12000's own names).
	Vocabulary Vocabulary
	// EPPN, when its Template is set, gives every person without an eduPersonPrincipalName
	// from the source one of its own, kept across runs (DNP requires at least one per person).
	EPPN ss12000.EPPNGenerator
	// CivicNoFromReferrer serves a person's referrer (the source key) as civic number when it
	// is a valid Swedish personal or coordination number and the source gives none in the
	// civicNo attribute: for sources that key persons by personal number (ss12000sync.KeyCivicNo).
	CivicNoFromReferrer bool
	// Now is the clock (default time.Now): meta timestamps, token and subscription expiry.
	Now func() time.Time
	// Logger receives what the provider does (runs, refused requests, callbacks), never
	// personal data, tokens or page tokens (default: none).
	Logger *slog.Logger
	// DefaultLimit and MaxLimit are the page size without a limit and the largest page.
	DefaultLimit, MaxLimit int
	// MaxLookup is how many keys a lookup body may carry (413 beyond).
	MaxLookup int
	// PageTokenTTL is how long a pageToken stays usable (410 Gone afterwards).
	PageTokenTTL time.Duration
	// ListingLifetime is how long a sorted listing (sortkey) is kept from its first page on.
	ListingLifetime time.Duration
	// SubscriptionLifetime is how long a subscription lives from its creation or renewal.
	SubscriptionLifetime time.Duration
	// CallbackRetries is how often a failed callback is repeated (default 4; negative: never).
	CallbackRetries int
	// CallbackBackoff is the wait before the first repetition, doubling after each.
	CallbackBackoff time.Duration
	// CallbackClient makes the callbacks (default: a client with CallbackTimeout that follows
	// no redirects).
	CallbackClient *http.Client
	// CallbackTimeout bounds one callback with the default client.
	CallbackTimeout time.Duration
	// MaxBody caps request bodies (413 beyond).
	MaxBody int64
	// MaxInFlight is how many requests are served at once (503 with Retry-After beyond).
	MaxInFlight int
	// Retention is how long removals stay on /deletedEntities and received log and statistics
	// entries are kept.
	Retention time.Duration
	// MaxSubscriptions is how many live subscriptions one receiver may hold.
	MaxSubscriptions int
}

// Receiver is one system that reads the provider: Skolverket's DNP client, a learning
// platform, another municipality's hub. It authenticates with a bearer JWT (Bearer), a TLS
// client certificate (Certificates), or both (then both must pass).
type Receiver struct {
	// Name identifies the receiver in logs and in the log and statistics entries it posts.
	Name string
	// Bearer checks the receiver's JWTs; nil when it uses none.
	Bearer *JWT
	// Certificates lets the receiver in by its TLS client certificate (mutual TLS); nil when
	// it uses none.
	Certificates *Certificates
	// Organisations limits what the receiver sees to these organisations and those below
	// them: persons with an enrolment, duty or group membership there (and their guardians),
	// their groups, duties and activities. Each entry is an organisation's id as served, its
	// referrer (the source's key) or its school unit code. Empty: everything.
	Organisations []string
	// Protected opts the receiver in to persons with protected identity, who are then served
	// reduced to the minimum (id, names, marking, civic number, EPPNs, enrolments). Without it
	// they are never served to the receiver, nor named in what it reads.
	Protected bool
	// Spelling is how callbacks and /deletedEntities spell the standard's misspelt names for
	// this receiver (Skolverket's DNP client reads CorrectSpelling).
	Spelling Spelling
	// CallbackURLs are the prefixes the targets of the receiver's subscriptions must start
	// with ("https://dnp.example.se/callback"). Empty: the receiver cannot subscribe.
	CallbackURLs []string
}

// JWT says which bearer tokens a receiver presents: signed (RS256 or ES256) by a key of the
// JWKS at JWKSURL, issued by Issuer for Audience, valid now, and, as Skolverket's DNP tokens
// carry, meant for this provider (Location) and organisation (OrganizationID).
type JWT struct {
	// JWKSURL is where the signing keys are published (https).
	JWKSURL string
	// Issuer is the required "iss" claim.
	Issuer string
	// Audience must be among the "aud" claim's values; empty: not checked.
	Audience string
	// Location is this provider's address as the receiver's tokens name it: one of the
	// locations of the "requested_access" entry of type "ss12000-api" must be Location or lie
	// under it ("https://skola.example.se/ss12000" accepts ".../ss12000/v2"). Empty: not checked.
	Location string
	// OrganizationID, when set, must equal the "organization_id" claim.
	OrganizationID string
	// Leeway is the clock skew allowed on exp, nbf and iat (default 1 minute).
	Leeway time.Duration
	// Client fetches the JWKS (default: a client with a 10-second timeout).
	Client *http.Client
	// RefreshEvery is how long fetched keys are trusted before the JWKS is read again
	// (default 1 hour); a token signed with an unknown key id reads it at once, at most once a
	// minute.
	RefreshEvery time.Duration
}

// Certificates is the allow-list of a receiver's TLS client certificates. The host's TLS
// server must ask for client certificates (tls.Config.ClientAuth RequestClientCert or
// stronger, with ClientCAs to check chains); the provider lets in a request whose leaf
// certificate is on the list.
type Certificates struct {
	// SHA256 are hex SHA-256 fingerprints of the certificates (DER), colons and case ignored.
	SHA256 []string
	// SPKISHA256 are hex SHA-256 fingerprints of the certificates' public keys
	// (SubjectPublicKeyInfo), which survive a renewal with the same key.
	SPKISHA256 []string
	// Verified requires that the host's TLS server verified the certificate's chain.
	Verified bool
}

// Vocabulary says how the roles and types of the canonical records read in SS 12000. The zero
// value is the vocabulary of ss12000sync: SS 12000's own names, so that a provider fed from
// another SS 12000 service serves what that service does.
type Vocabulary struct {
	// StudentRoles are the context roles of pupils: each such context is an enrolment at its
	// organisation (default "Elev"). Every other context role is a duty.
	StudentRoles []string
	// DutyRoles maps a staff context role to an SS 12000 duty role. A role not listed that is
	// an SS 12000 duty role ("Lärare", "Rektor", ...) stays itself; any other is "Annan personal".
	DutyRoles map[string]ss12000.DutyRole
	// TeacherRoles are the membership roles of a group's teachers: the group gets an activity
	// whose teachers are their duties at the group's organisation (default "Lärare").
	TeacherRoles []string
	// AssignmentRoles maps membership roles to assignment roles of the person's duty at the
	// group's organisation. A role not listed that is an SS 12000 assignment role ("Mentor",
	// ...) stays itself. Every membership role that is neither a teacher nor an assignment role
	// ("Elev", "Medlem", "Personal", ...) makes a group membership.
	AssignmentRoles map[string]ss12000.AssignmentRoleTypeEnum
	// GroupTypes maps group types to SS 12000's; SS 12000's own names stay, others are "Övrigt".
	GroupTypes map[string]ss12000.GroupTypesEnum
	// OrganisationTypes maps organisation types to SS 12000's; its own names stay, others are
	// "Övrigt".
	OrganisationTypes map[string]ss12000.OrganisationTypeEnum
	// RelationTypes maps relation roles to SS 12000's; its own names stay, an empty role is
	// "Vårdnadshavare", others "Annan ansvarig".
	RelationTypes map[string]ss12000.RelationTypesEnum
}

// The attributes the provider reads from canonical records. They are those ss12000sync
// writes, so an SS 12000 source serves back as it was read, plus civicNo, securityMarking and
// educationCode, which a source adapter can add.
const (
	// AttrCivicNo is a person's Swedish personal or coordination number; it is served as
	// civicNo (twelve digits) when valid. DNP requires it.
	AttrCivicNo = "civicNo"
	// AttrSecurityMarking is a protected person's exact marking ("Sekretessmarkering" or
	// "Skyddad folkbokföring"); without it a protected person is served "Skyddad folkbokföring".
	AttrSecurityMarking = "securityMarking"
	// AttrMiddleName is a person's middle name, served apart from the given name.
	AttrMiddleName = "middleName"
	// AttrSchoolType is a person's school types (comma-separated, for the enrolments) or a
	// group's school type.
	AttrSchoolType = "schoolType"
	// AttrSchoolYear is a pupil's school years (comma-separated, as the school types).
	AttrSchoolYear = "schoolYear"
	// AttrEducationCode is a pupil's programme code (educationCode of the enrolment), which
	// DNP requires for upper secondary school (GY).
	AttrEducationCode = "educationCode"
	// AttrParent is an organisation's parent: the parent's source key (its referrer).
	AttrParent = "parent"
	// AttrSchoolUnitCode is a school unit's code in Skolverket's register.
	AttrSchoolUnitCode = "schoolUnitCode"
	// AttrOrganisationCode is an organisation's own code.
	AttrOrganisationCode = "organisationCode"
	// AttrMunicipalityCode is an organisation's municipality code.
	AttrMunicipalityCode = "municipalityCode"
	// AttrSchoolTypes is an organisation's school types (comma-separated).
	AttrSchoolTypes = "schoolTypes"
)

// ErrOptions is returned by New for options it cannot work with.
var ErrOptions = errors.New("ss12000server: invalid options")

// withDefaults fills in the defaults and checks the rest.
func (o Options) withDefaults() (Options, error) {
	if o.Scope.Flow == "" {
		o.Scope.Flow = DefaultFlow
	}
	o.BasePath = "/" + strings.Trim(o.BasePath, "/")
	if o.BasePath == "/" {
		o.BasePath = ""
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	setInt := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	setDur := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	setInt(&o.MaxLimit, DefaultMaxLimit)
	setInt(&o.DefaultLimit, min(DefaultLimit, o.MaxLimit))
	o.DefaultLimit = min(o.DefaultLimit, o.MaxLimit)
	setInt(&o.MaxLookup, DefaultMaxLookup)
	setDur(&o.PageTokenTTL, DefaultPageTokenTTL)
	setDur(&o.ListingLifetime, DefaultListingLifetime)
	setDur(&o.SubscriptionLifetime, DefaultSubscriptionLifetime)
	switch {
	case o.CallbackRetries == 0:
		o.CallbackRetries = DefaultCallbackRetries
	case o.CallbackRetries < 0:
		o.CallbackRetries = 0
	}
	setDur(&o.CallbackBackoff, DefaultCallbackBackoff)
	setDur(&o.CallbackTimeout, DefaultCallbackTimeout)
	if o.CallbackClient == nil {
		o.CallbackClient = &http.Client{Timeout: o.CallbackTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	setInt(&o.MaxInFlight, DefaultMaxInFlight)
	setDur(&o.Retention, DefaultRetention)
	setInt(&o.MaxSubscriptions, DefaultMaxSubscriptions)
	if err := o.Scope.Validate(); err != nil {
		return o, fmt.Errorf("%w: scope: %w", ErrOptions, err)
	}
	if len(o.Receivers) == 0 {
		return o, fmt.Errorf("%w: no receivers: nobody could read the provider", ErrOptions)
	}
	if err := checkReceivers(o.Receivers); err != nil {
		return o, fmt.Errorf("%w: %w", ErrOptions, err)
	}
	if o.EPPN.Template != "" {
		probe := o.EPPN
		probe.Taken = nil
		if _, err := probe.Assign(context.Background(), []ss12000.EPPNPerson{{ID: "probe", GivenName: "A", FamilyName: "B"}}, nil); err != nil {
			return o, fmt.Errorf("%w: EPPN: %w", ErrOptions, err)
		}
	}
	return o, nil
}

// checkReceivers refuses receivers no request could be told apart by, or that nothing lets in.
func checkReceivers(rs []Receiver) error {
	names := map[string]bool{}
	issuers := map[string]string{}
	certs := map[string]string{}
	for i, r := range rs {
		if strings.TrimSpace(r.Name) == "" {
			return fmt.Errorf("receiver %d has no name", i+1)
		}
		if names[r.Name] {
			return fmt.Errorf("two receivers are named %q", r.Name)
		}
		names[r.Name] = true
		if r.Bearer == nil && r.Certificates == nil {
			return fmt.Errorf("receiver %q has neither Bearer nor Certificates: nothing would let it in", r.Name)
		}
		if r.Bearer != nil {
			u, err := url.Parse(r.Bearer.JWKSURL)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return fmt.Errorf("receiver %q: JWKSURL must be an absolute https URL", r.Name)
			}
			if r.Bearer.Issuer == "" {
				return fmt.Errorf("receiver %q: Bearer needs the Issuer its tokens carry", r.Name)
			}
			k := r.Bearer.Issuer + "\x00" + r.Bearer.Audience
			if other, ok := issuers[k]; ok {
				return fmt.Errorf("receivers %q and %q accept the same issuer and audience; a token could not tell them apart", other, r.Name)
			}
			issuers[k] = r.Name
		}
		if r.Certificates != nil {
			all := append(append([]string{}, r.Certificates.SHA256...), r.Certificates.SPKISHA256...)
			if len(all) == 0 {
				return fmt.Errorf("receiver %q: Certificates lists no fingerprint", r.Name)
			}
			for _, f := range all {
				n := normFingerprint(f)
				if len(n) != 64 {
					return fmt.Errorf("receiver %q: a fingerprint is not a hex SHA-256", r.Name)
				}
				if other, ok := certs[n]; ok && other != r.Name {
					return fmt.Errorf("receivers %q and %q list the same certificate", other, r.Name)
				}
				certs[n] = r.Name
			}
		}
		for _, p := range r.CallbackURLs {
			u, err := url.Parse(p)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return fmt.Errorf("receiver %q: a callback URL is not an absolute http(s) URL", r.Name)
			}
		}
	}
	return nil
}

// normFingerprint lowers a hex fingerprint and drops colons and spaces.
func normFingerprint(f string) string {
	return strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(f))
}
