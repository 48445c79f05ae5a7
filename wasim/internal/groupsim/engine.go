// Package groupsim is the group and community state machine of the wasim
// simulated WhatsApp server. It answers the w:g2 and w:profile:picture IQs
// that whatsmeow's group.go sends and produces the w:gp2 notifications that
// whatsmeow's parseGroupNotification understands. It knows nothing about
// sockets or devices: the wasim core hands it a decoded <iq> plus the calling
// user, and delivers the returned notifications.
package groupsim

import (
	"sync"
	"time"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// Directory tells the engine which phone numbers have an account.
// LookupUser is called WITHOUT the engine lock held, but from inside
// HandleIQ/CreateGroup; it must not call back into the Engine.
type Directory interface {
	// LookupUser gets a non-AD phone JID ("123@s.whatsapp.net"). ok=false
	// means "not on WhatsApp"; lid may be empty when the account has none.
	LookupUser(user types.JID) (lid types.JID, ok bool)
}

// Notification is one server-pushed stanza and its audience.
type Notification struct {
	// To are non-AD user JIDs; the core delivers to all their devices.
	To []types.JID
	// Node is a complete <notification …> stanza (type w:gp2, or type picture
	// for group photo changes).
	Node waBinary.Node
}

// Config tunes limits and behaviours the real server is not known to
// document. Zero values select the defaults noted on each field.
type Config struct {
	// MaxSubGroups is how many subgroups a community may hold, not counting
	// its announcement group. 0 means 50; a negative value disables the limit.
	MaxSubGroups int
	// SubGroupLimitCode/Text answer an IQ exceeding MaxSubGroups.
	// Default 419 resource-limit (assumed; the real value is unknown).
	SubGroupLimitCode int
	SubGroupLimitText string
	// LinkConflictCode/Text answer linking a group that already belongs to
	// another community. Real servers are believed to answer 409, which has no
	// whatsmeow sentinel; default 400 bad-request (assumed).
	LinkConflictCode int
	LinkConflictText string
	// MaxSubjectLength bounds group names in runes; longer names answer
	// 406 not-acceptable (whatsmeow ReqCreateGroup comment). 0 means 100.
	MaxSubjectLength int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// PictureURL builds the url attribute of a group picture query answer.
	// nil means "https://wasim.invalid/pp/<group>/<id>".
	PictureURL func(group types.JID, id string) string

	// MembersMayEditInfo lets non-admin members change subject,
	// description, photo and disappearing timer while the group is unlocked,
	// as whatsmeow's types.GroupLocked doc implies ("whether the group info
	// can only be edited by admins"). Off by default: every setter is then
	// admin-only (401 not-authorized), as the groupsim brief specifies.
	MembersMayEditInfo bool

	// LIDAddressing makes new groups LID-addressed (GroupInfo.AddressingMode "lid": members
	// listed by LID with their phone_number), as the real service makes groups today. Off by
	// default: groups are PN-addressed, the form every existing suite asserts on.
	LIDAddressing bool

	// Quirks reproducing publicly reported server answers. All default off.

	// RejectCommunityCreate answers every community create with
	// 400 bad-request (tulir/whatsmeow#704, Baileys#317), so the gateway can
	// exercise its fallback to a regular group.
	RejectCommunityCreate bool
	// RejectCommunitySettings answers announcement/not_announcement and
	// member_add_mode on a community parent with 400 bad-request while
	// subject and description still work (tulir/whatsmeow#1232).
	RejectCommunitySettings bool
}

func (c Config) withDefaults() Config {
	if c.MaxSubGroups == 0 {
		c.MaxSubGroups = 50
	}
	if c.SubGroupLimitCode == 0 {
		c.SubGroupLimitCode = ErrResourceLimit.Code
	}
	if c.SubGroupLimitText == "" {
		c.SubGroupLimitText = ErrResourceLimit.Text
	}
	if c.LinkConflictCode == 0 {
		c.LinkConflictCode = ErrBadRequest.Code
	}
	if c.LinkConflictText == "" {
		c.LinkConflictText = ErrBadRequest.Text
	}
	if c.MaxSubjectLength == 0 {
		c.MaxSubjectLength = 100
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.PictureURL == nil {
		c.PictureURL = func(group types.JID, id string) string {
			return "https://wasim.invalid/pp/" + group.User + "/" + id
		}
	}
	return c
}

// Engine holds all groups behind one mutex. Every exported method is safe
// for concurrent use.
type Engine struct {
	dir Directory
	cfg Config

	mu       sync.Mutex
	st       *state
	onChange func()
}

// NewEngine creates an empty engine. A nil Directory treats every phone
// number as registered, without LIDs.
func NewEngine(dir Directory, cfg Config) *Engine {
	return &Engine{dir: dir, cfg: cfg.withDefaults(), st: newState()}
}

// SetOnChange registers fn, called outside the lock after every mutation
// (for persistence). Calls can overlap if mutations run concurrently.
func (e *Engine) SetOnChange(fn func()) {
	e.mu.Lock()
	e.onChange = fn
	e.mu.Unlock()
}

// run executes fn under the lock with a fresh call context and fires
// onChange afterwards if fn mutated the state. Directory lookups happen
// before the lock is taken (see resolve.go).
func (e *Engine) run(actor types.JID, looked map[string]lookup, fn func(c *call)) (notes []Notification) {
	e.mu.Lock()
	c := &call{e: e, st: e.st, cfg: &e.cfg, actor: actor, now: e.cfg.Now(), looked: looked}
	fn(c)
	changed, onChange := c.changed, e.onChange
	e.mu.Unlock()
	if changed && onChange != nil {
		onChange()
	}
	return c.notes
}

// HandleIQ answers one w:g2 or w:profile:picture <iq>. actor is the non-AD
// user JID of the calling device. The reply is always a complete
// <iq type=result|error id=SAME from=TO-of-request>; it never returns
// nothing, because an unanswered IQ hangs the client for 75 s.
func (e *Engine) HandleIQ(actor types.JID, iq *waBinary.Node) (resp waBinary.Node, notes []Notification) {
	actor = actor.ToNonAD()
	looked := e.preResolve(actor, iq)
	notes = e.run(actor, looked, func(c *call) { resp = c.dispatch(iq) })
	return resp, notes
}

// call is the per-request context: who acts, at what time, which directory
// answers were fetched, and what it produced.
type call struct {
	e      *Engine
	st     *state
	cfg    *Config
	actor  types.JID
	now    time.Time
	looked map[string]lookup
	iqType string // get or set, of the IQ being handled

	notes   []Notification
	changed bool
}

func (c *call) unix() int64 { return c.now.Unix() }
