package switchboard

import "context"

// Profile is what WhatsApp tells about one user: the instance's own account or a third party.
type Profile struct {
	JID JID // the phone-number JID; zero when only the LID is known
	LID JID // zero when WhatsApp did not say
	// Name is the push name (the name the user chose), or the verified business name.
	Name string
	// About is the "about" text; empty when unset or hidden by the user's privacy settings.
	About string
	// PictureURL is the full-size picture's signed CDN URL; empty when there is none or it is
	// hidden.
	PictureURL string
}

// Privacy setting names, as WhatsApp's privacy stanzas call them.
const (
	PrivacyLastSeen     = "last"
	PrivacyStatus       = "status"
	PrivacyProfile      = "profile"
	PrivacyOnline       = "online"
	PrivacyReadReceipts = "readreceipts"
	PrivacyCallAdd      = "calladd"
	PrivacyGroupAdd     = "groupadd"
)

// PrivacySettings holds the account's privacy values by stanza name (PrivacyLastSeen, ...), each
// one of WhatsApp's words: all, contacts, contact_blacklist, none, match_last_seen, known.
type PrivacySettings map[string]string

// ProfileClient is one connected instance's own profile and privacy, and its view of other
// users' profiles.
type ProfileClient interface {
	// Profile reads a user's profile; the zero JID reads the instance's own.
	Profile(ctx context.Context, user JID) (*Profile, error)
	// SetPushName changes the name other users see on the instance's messages.
	SetPushName(ctx context.Context, name string) error
	// SetAbout changes the "about" text.
	SetAbout(ctx context.Context, text string) error
	// SetPicture sets the instance's own picture to a JPEG, or removes it when jpeg is nil.
	SetPicture(ctx context.Context, jpeg []byte) error
	// Privacy reads the privacy settings from WhatsApp.
	Privacy(ctx context.Context) (PrivacySettings, error)
	// SetPrivacy writes one privacy setting (one WhatsApp stanza).
	SetPrivacy(ctx context.Context, name, value string) error
}
