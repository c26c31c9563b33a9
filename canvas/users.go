package canvas

import (
	"context"
	"iter"
	"net/http"
	"strings"
)

// ListUsers lists the users of an account.
func (c *Client) ListUsers(ctx context.Context, account Ref, params *ListUsersParams) iter.Seq2[User, error] {
	return list(ctx, c, path("/accounts/", account, "/users"), params, "", userID)
}

// ListUsersPage returns one page of ListUsers: the first when next is "", else the page at next
// (a Page.Next).
func (c *Client) ListUsersPage(ctx context.Context, account Ref, params *ListUsersParams, next string) (*Page[User], error) {
	return listPage(ctx, c, path("/accounts/", account, "/users"), params, "", userID, next)
}

// GetUser fetches one user (user may be SISUser(...), SISLogin(...), SISIntegration(...)).
func (c *Client) GetUser(ctx context.Context, user Ref, params *GetUserParams) (*User, error) {
	var u User
	if err := c.getJSON(ctx, path("/users/", user), params, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// CreateUser creates a user with a login in account. The login's unique id is required and
// is the key a lost answer is recovered by: before the create is sent again the user is looked
// up by SIS id (when given) or by login, so a user is never created twice.
func (c *Client) CreateUser(ctx context.Context, account Ref, in CreateUserRequest) (*User, error) {
	reread := func(ctx context.Context) (*User, bool, error) {
		ref := SISLogin(in.Pseudonym.UniqueID)
		if in.Pseudonym.SisUserID != "" {
			ref = SISUser(in.Pseudonym.SisUserID)
		}
		return found(c.GetUser(ctx, ref, nil))
	}
	return create(ctx, c, path("/accounts/", account, "/users"), in, reread)
}

// UpdateUser changes a user's names, e-mail, locale and so on; fields left empty are not changed.
func (c *Client) UpdateUser(ctx context.Context, user Ref, in UserUpdate) (*User, error) {
	var u User
	if err := c.send(ctx, http.MethodPut, path("/users/", user), nil, UpdateUserRequest{User: in}, &u, nil); err != nil {
		return nil, err
	}
	return &u, nil
}

// SuspendUser suspends all of the user's logins (the account stays, the person cannot sign in):
// what an SIS does when a student is suspended or leaves before the data is removed.
func (c *Client) SuspendUser(ctx context.Context, user Ref) (*User, error) {
	return c.UpdateUser(ctx, user, UserUpdate{Event: UserEventSuspend})
}

// UnsuspendUser reactivates the user's suspended logins.
func (c *Client) UnsuspendUser(ctx context.Context, user Ref) (*User, error) {
	return c.UpdateUser(ctx, user, UserUpdate{Event: UserEventUnsuspend})
}

// ListLogins lists a user's logins.
func (c *Client) ListLogins(ctx context.Context, user Ref) iter.Seq2[Login, error] {
	return list(ctx, c, path("/users/", user, "/logins"), nil, "", loginID)
}

// ListLoginsPage returns one page of ListLogins (see ListUsersPage for next).
func (c *Client) ListLoginsPage(ctx context.Context, user Ref, next string) (*Page[Login], error) {
	return listPage(ctx, c, path("/users/", user, "/logins"), nil, "", loginID, next)
}

// CreateLogin adds a login to an existing user. A lost answer is recovered by looking for the
// login's unique id among the user's logins before sending it again.
func (c *Client) CreateLogin(ctx context.Context, account, user Ref, in LoginInput) (*Login, error) {
	reread := func(ctx context.Context) (*Login, bool, error) {
		for l, err := range c.ListLogins(ctx, user) {
			if err != nil {
				if _, bad := err.(*RecordError); bad {
					continue
				}
				return nil, false, err
			}
			if strings.EqualFold(l.UniqueID, in.UniqueID) {
				return &l, true, nil
			}
		}
		return nil, false, nil
	}
	body := CreateLoginRequest{User: LoginOwner{ID: user.String()}, Login: in}
	return create(ctx, c, path("/accounts/", account, "/logins"), body, reread)
}

// UpdateLogin changes a login: its unique id, SIS id, integration id, password or state
// (LoginStateSuspended suspends this one login).
func (c *Client) UpdateLogin(ctx context.Context, account Ref, login int64, in LoginInput) (*Login, error) {
	var l Login
	if err := c.send(ctx, http.MethodPut, path("/accounts/", account, "/logins/", login), nil, UpdateLoginRequest{Login: in}, &l, nil); err != nil {
		return nil, err
	}
	return &l, nil
}

// DeleteLogin deletes one of a user's logins. Deleting a login that is already gone after an
// answer was lost counts as success.
func (c *Client) DeleteLogin(ctx context.Context, user Ref, login int64) error {
	_, err := c.remove(ctx, path("/users/", user, "/logins/", login), nil, nil)
	return err
}

// ListCommunicationChannels lists a user's communication channels (e-mail addresses, numbers).
func (c *Client) ListCommunicationChannels(ctx context.Context, user Ref) iter.Seq2[CommunicationChannel, error] {
	return list(ctx, c, path("/users/", user, "/communication_channels"), nil, "", channelID)
}

// ListCommunicationChannelsPage returns one page of ListCommunicationChannels (see ListUsersPage).
func (c *Client) ListCommunicationChannelsPage(ctx context.Context, user Ref, next string) (*Page[CommunicationChannel], error) {
	return listPage(ctx, c, path("/users/", user, "/communication_channels"), nil, "", channelID, next)
}

// CreateCommunicationChannel adds a channel to a user; skipConfirmation makes it active at once
// (admins only). A lost answer is recovered by looking for the same type and address.
func (c *Client) CreateCommunicationChannel(ctx context.Context, user Ref, in ChannelInput, skipConfirmation bool) (*CommunicationChannel, error) {
	reread := func(ctx context.Context) (*CommunicationChannel, bool, error) {
		for ch, err := range c.ListCommunicationChannels(ctx, user) {
			if err != nil {
				if _, bad := err.(*RecordError); bad {
					continue
				}
				return nil, false, err
			}
			if strings.EqualFold(ch.Type, in.Type) && strings.EqualFold(ch.Address, in.Address) {
				return &ch, true, nil
			}
		}
		return nil, false, nil
	}
	body := CreateCommunicationChannelRequest{CommunicationChannel: in}
	if skipConfirmation {
		body.SkipConfirmation = &skipConfirmation
	}
	return create(ctx, c, path("/users/", user, "/communication_channels"), body, reread)
}

// DeleteCommunicationChannel deletes one of a user's channels (an address the user should no
// longer be reached at, or one an integration wrote and must take back) and returns it as
// Canvas last showed it. Deleting a channel that is already gone after an answer was lost
// counts as success (the channel returned is then nil).
func (c *Client) DeleteCommunicationChannel(ctx context.Context, user Ref, channel int64) (*CommunicationChannel, error) {
	var ch CommunicationChannel
	found, err := c.remove(ctx, path("/users/", user, "/communication_channels/", channel), nil, &ch)
	if err != nil || !found {
		return nil, err
	}
	return &ch, nil
}
