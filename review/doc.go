// Package review is a page for the people who look after a synchronisation, to mount in a
// school-administration system's own admin pages: what each pipeline is about to do, the
// questions its plan asks, why it is held, and what its runs did.
//
// Planning is only half of a sync's safety: before anything is written a person must see the
// plan and answer the matches that are not certain (the Schulconnex practice guide asks in its
// steps 4 and 8). Package pipeline keeps all of it in its store (pipeline.Ledger); this page
// shows it and takes the answers, from the same process or another one sharing the store.
//
//	h, err := review.New(st, func(r *http.Request, act review.Action, pipeline string) (string, bool) {
//		u := myapp.User(r)            // the host's own session
//		return u.Name, u.May(string(act), pipeline)
//	})
//	mux.Handle("/admin/sync/", http.StripPrefix("/admin/sync", myapp.RequireLogin(h)))
//
// # Pages
//
//   - Pipelines: each with its latest run, whether it is held and how many questions wait.
//   - A pipeline: its safety hold with the thresholds the plan crossed, the release form, the
//     open questions, a button for a run now, and the kept runs with status and counts.
//   - A plan: counts per outcome, per kind and operation and per matching case (each a link to
//     the actions it counts); the actions with their reason and field changes (before ->
//     after), filtered by kind, operation, case and confirmation and searched, paged on the
//     server. A run's audit trail (per action its result and error) pages and searches alike.
//   - Questions: each pending confirmation (uncertain matches, imports) with the target's
//     record and the record approval gives side by side, approved or rejected one by one or
//     selected in bulk; answers are stored as the pipeline's decisions, which the next run
//     plans with.
//
// The page is server-rendered (html/template) and works without JavaScript; a small script
// only adds a select-all box to the questions. Templates, stylesheet and script are embedded;
// there is no build step. Texts are in Swedish, Norwegian bokmål, German and English, chosen
// by the browser's Accept-Language or the page's language links (remembered in a cookie).
//
// # Security
//
// The page has no login: the host authenticates in its own middleware, and every page and
// every form asks the host's Check (ActionView, ActionViewProtected, ActionAnswer,
// ActionRelease, ActionTrigger, per pipeline). The check also names who acts; answers and
// releases are stored with that name and refused without one.
//
// Every form is a POST carrying a token: signed with WithSecret's key over the host's session
// id (WithSession), or, without one, over a random value in a SameSite=Strict cookie of the
// page's own (a signed double-submit cookie). Posts a browser marks as coming from another
// origin are refused as well (net/http's CrossOriginProtection). Give replicas behind a load
// balancer the same WithSecret, or forms shown by one are refused by another.
//
// Record values come from outside systems and are treated as hostile: every value is escaped
// by html/template, capped in length and has control characters replaced, and the answers
// carry a Content-Security-Policy that allows no inline script. Anything shaped like an identity
// number (Swedish personnummer and samordningsnummer, Norwegian fødselsnummer and D-nummer,
// German tax ids) is masked wherever it appears, whatever the viewer may see; forms and links
// name records by opaque ids signed with the secret, never by their keys. Persons with protected
// identity are shown reduced, their name and an opaque id, unless the check allows
// ActionViewProtected; a search finds them only by what the reduced view shows. Pages are sent
// with Cache-Control: no-store. Pipeline names are the host's own and appear in links as they
// are: name pipelines after schools and targets, never after a person.
//
// # Large plans
//
// A municipality's first run can plan hundreds of thousands of actions. A run's stored plan
// never changes, so the page keeps the rows of the plans viewed last in memory (WithCache, by
// rows) and filters them there (BenchmarkReviewPlanPage: a filtered page of a 10,000-action plan
// in a few milliseconds); a plan larger than the cache is read from the store for each page a
// chunk at a time, keeping only the page shown.
package review
