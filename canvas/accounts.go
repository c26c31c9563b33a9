package canvas

import (
	"context"
	"iter"
	"net/http"
)

func accountID(a *Account) int64              { return a.ID }
func termID(t *EnrollmentTerm) int64          { return t.ID }
func userID(u *User) int64                    { return u.ID }
func loginID(l *Login) int64                  { return l.ID }
func channelID(c *CommunicationChannel) int64 { return c.ID }
func courseID(c *Course) int64                { return c.ID }
func sectionID(s *Section) int64              { return s.ID }
func enrollmentID(e *Enrollment) int64        { return e.ID }
func roleID(r *Role) int64                    { return r.ID }
func sisImportID(s *SisImport) int64          { return s.ID }

// GetAccount fetches one account; Self is the token holder's root account.
func (c *Client) GetAccount(ctx context.Context, account Ref) (*Account, error) {
	var a Account
	if err := c.getJSON(ctx, path("/accounts/", account), nil, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// ListSubAccounts lists the sub-accounts of account (with Recursive, all levels below it).
func (c *Client) ListSubAccounts(ctx context.Context, account Ref, params *ListSubAccountsParams) iter.Seq2[Account, error] {
	return list(ctx, c, path("/accounts/", account, "/sub_accounts"), params, "", accountID)
}

// ListSubAccountsPage returns one page of ListSubAccounts: the first when next is "", else the
// page at next (a Page.Next).
func (c *Client) ListSubAccountsPage(ctx context.Context, account Ref, params *ListSubAccountsParams, next string) (*Page[Account], error) {
	return listPage(ctx, c, path("/accounts/", account, "/sub_accounts"), params, "", accountID, next)
}

// CreateSubAccount creates an account below parent. With an SIS id, a create whose answer was
// lost is looked up before it is sent again, so it is never created twice; without one it is
// not repeated once it may have reached Canvas.
func (c *Client) CreateSubAccount(ctx context.Context, parent Ref, in AccountInput) (*Account, error) {
	var reread lookupFunc[Account]
	if in.SisAccountID != "" {
		reread = func(ctx context.Context) (*Account, bool, error) {
			return found(c.GetAccount(ctx, SISAccount(in.SisAccountID)))
		}
	}
	return create(ctx, c, path("/accounts/", parent, "/sub_accounts"), CreateSubAccountRequest{Account: in}, reread)
}

// found turns a get's not-found error into found == false, for create's lookups.
func found[T any](obj *T, err error) (*T, bool, error) {
	if err != nil {
		if isNotFound(err) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return obj, true, nil
}

// ListTerms lists the enrolment terms of a root account.
func (c *Client) ListTerms(ctx context.Context, account Ref, params *ListTermsParams) iter.Seq2[EnrollmentTerm, error] {
	return list(ctx, c, path("/accounts/", account, "/terms"), params, "enrollment_terms", termID)
}

// ListTermsPage returns one page of ListTerms (see ListSubAccountsPage for next).
func (c *Client) ListTermsPage(ctx context.Context, account Ref, params *ListTermsParams, next string) (*Page[EnrollmentTerm], error) {
	return listPage(ctx, c, path("/accounts/", account, "/terms"), params, "enrollment_terms", termID, next)
}

// GetTerm fetches one enrolment term (term may be SISTerm(...)).
func (c *Client) GetTerm(ctx context.Context, account, term Ref) (*EnrollmentTerm, error) {
	var t EnrollmentTerm
	if err := c.getJSON(ctx, path("/accounts/", account, "/terms/", term), nil, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// CreateTerm creates an enrolment term. With an SIS term id it is safe to repeat (see
// CreateSubAccount).
func (c *Client) CreateTerm(ctx context.Context, account Ref, in TermInput) (*EnrollmentTerm, error) {
	var reread lookupFunc[EnrollmentTerm]
	if in.SisTermID != "" {
		reread = func(ctx context.Context) (*EnrollmentTerm, bool, error) {
			return found(c.GetTerm(ctx, account, SISTerm(in.SisTermID)))
		}
	}
	return create(ctx, c, path("/accounts/", account, "/terms"), TermRequest{EnrollmentTerm: in}, reread)
}

// UpdateTerm changes an enrolment term; fields left empty are not changed.
func (c *Client) UpdateTerm(ctx context.Context, account, term Ref, in TermInput) (*EnrollmentTerm, error) {
	var t EnrollmentTerm
	if err := c.send(ctx, http.MethodPut, path("/accounts/", account, "/terms/", term), nil, TermRequest{EnrollmentTerm: in}, &t, nil); err != nil {
		return nil, err
	}
	return &t, nil
}

// GetProgress fetches the progress of an asynchronous Canvas operation.
func (c *Client) GetProgress(ctx context.Context, id int64) (*Progress, error) {
	var p Progress
	if err := c.getJSON(ctx, path("/progress/", id), nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}
