package canvas

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
)

// ListRoles lists the roles of an account: the base roles and custom ones.
func (c *Client) ListRoles(ctx context.Context, account Ref, params *ListRolesParams) iter.Seq2[Role, error] {
	return list(ctx, c, path("/accounts/", account, "/roles"), params, "", roleID)
}

// ListRolesPage returns one page of ListRoles: the first when next is "", else the page at next.
func (c *Client) ListRolesPage(ctx context.Context, account Ref, params *ListRolesParams, next string) (*Page[Role], error) {
	return listPage(ctx, c, path("/accounts/", account, "/roles"), params, "", roleID, next)
}

// GetRole fetches one role by id.
func (c *Client) GetRole(ctx context.Context, account Ref, id int64) (*Role, error) {
	var r Role
	if err := c.getJSON(ctx, path("/accounts/", account, "/roles/", id), nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// MissingRolesError lists the role labels ResolveRoles did not find.
type MissingRolesError struct {
	// Labels are the labels without an active role, sorted.
	Labels []string
}

// Error names the missing labels, so a misconfigured deployment fails at start, not on the
// first enrolment.
func (e *MissingRolesError) Error() string {
	return "canvas: no active role with label " + strings.Join(quoteAll(e.Labels), ", ")
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}

// ResolveRoles looks up custom roles by label (or by role name) in account and the accounts
// above it, and remembers them so NewEnrollment.Role can name them. Custom role ids differ
// between Canvas instances (test, production), so configuration names labels and the ids are
// read at start. It fails with *MissingRolesError when any label has no active role, before
// anything is written. Labels that are base enrolment types need no lookup.
func (c *Client) ResolveRoles(ctx context.Context, account Ref, labels ...string) (map[string]Role, error) {
	want := map[string]bool{}
	for _, l := range labels {
		if !EnrollmentType(l).Valid() {
			want[l] = true
		}
	}
	out := map[string]Role{}
	if len(want) == 0 {
		return out, nil
	}
	params := &ListRolesParams{ShowInherited: true}
	var byName []Role
	for r, err := range c.ListRoles(ctx, account, params) {
		if err != nil {
			if _, bad := err.(*RecordError); bad {
				continue
			}
			return nil, err
		}
		if r.WorkflowState != "" && r.WorkflowState != "active" {
			continue
		}
		if want[r.Label] {
			if _, dup := out[r.Label]; !dup {
				out[r.Label] = r
			}
		}
		byName = append(byName, r)
	}
	for _, r := range byName { // a role name matches only if no label did
		if want[r.Role] {
			if _, ok := out[r.Role]; !ok {
				out[r.Role] = r
			}
		}
	}
	var missing []string
	for l := range want {
		if _, ok := out[l]; !ok {
			missing = append(missing, l)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, &MissingRolesError{Labels: missing}
	}
	c.rolesMu.Lock()
	for l, r := range out {
		c.roles[l] = r
	}
	c.rolesMu.Unlock()
	return out, nil
}

func (c *Client) resolvedRole(label string) (Role, bool) {
	c.rolesMu.RLock()
	defer c.rolesMu.RUnlock()
	r, ok := c.roles[label]
	return r, ok
}

func (c *Client) resolvedRoleByID(id int64) (Role, bool) {
	c.rolesMu.RLock()
	defer c.rolesMu.RUnlock()
	for _, r := range c.roles {
		if r.ID == id {
			return r, true
		}
	}
	return Role{}, false
}
