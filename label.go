package switchboard

import "context"

// Label is one of an account's chat labels (WhatsApp Business "labels", RyzeAPI "tags"). Ids
// are the account's own: WhatsApp's for labels made on the phone, allocated in sequence for
// labels made through the API. Deleted labels are kept, flagged, so that ids are not reused.
type Label struct {
	ID      string
	Name    string
	Color   int // palette index 0–10
	Deleted bool
	// Predefined is WhatsApp's id of a built-in label ("New customer"...), 0 for custom ones.
	Predefined int
}

// LabeledChat is one chat carrying one label.
type LabeledChat struct {
	LabelID string
	Chat    JID
}

// LabelStore keeps each instance's labels, which chats carry them and its favorite chats, as
// the API and WhatsApp's app state last set them: WhatsApp syncs the changes but keeps no copy
// a client can read back.
type LabelStore interface {
	Labels(ctx context.Context, instanceID int64) ([]Label, error)
	// Label finds one label; ErrNotFound when absent.
	Label(ctx context.Context, instanceID int64, id string) (*Label, error)
	SaveLabel(ctx context.Context, instanceID int64, l Label) error
	// NextLabelID is one above the highest numeric id the instance has seen (deleted included).
	NextLabelID(ctx context.Context, instanceID int64) (string, error)
	// SetChatLabel adds or removes a label on a chat; removing a label from every chat when chat
	// is zero.
	SetChatLabel(ctx context.Context, instanceID int64, labelID string, chat JID, on bool) error
	LabeledChats(ctx context.Context, instanceID int64) ([]LabeledChat, error)
	FavoriteChats(ctx context.Context, instanceID int64) ([]JID, error)
	SetFavoriteChat(ctx context.Context, instanceID int64, chat JID, on bool) error
}

// LabelClient writes labels to WhatsApp's app state.
type LabelClient interface {
	// EditLabel creates, renames or deletes a label.
	EditLabel(ctx context.Context, l Label) error
	// LabelChat adds or removes a label on a chat.
	LabelChat(ctx context.Context, chat JID, labelID string, on bool) error
	// SetFavoriteChats writes the whole Favorites list (WhatsApp keeps it as one value).
	SetFavoriteChats(ctx context.Context, chats []JID) error
	// RefreshLabels fetches the label collection from WhatsApp, so that changes made on other
	// devices reach the label store now rather than at the next sync notice.
	RefreshLabels(ctx context.Context) error
}
