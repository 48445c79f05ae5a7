package switchboard

import "time"

// The `data` objects of the catalogue's events other than instance.state (event.go). The whatsapp
// adapter builds them from WhatsApp's events; httpapi/openapi/events.yaml describes them. Fields
// appear only when relevant, as RyzeAPI says of message.exchange.

// MessageExchangeData is the `data` of a message.exchange event (RyzeAPI §2.5.6).
type MessageExchangeData struct {
	ID      string       `json:"id"`
	Message MessageEvent `json:"message"`
}

// Message types of message.exchange events (`data.message.type`) that are not MessageType
// values: RyzeAPI names edits and revocations this way.
const (
	EventMessageEdit   = "message_edit"
	EventMessageRevoke = "message_revoke"
	EventPollVoteType  = "poll_vote"
)

// MessageEvent is `data.message`: one message sent or received, or an edit, revocation,
// reaction or poll vote about an earlier one.
type MessageEvent struct {
	ID        string    `json:"id"`
	Direction string    `json:"direction"` // "incoming" or "outgoing"
	Timestamp time.Time `json:"timestamp"`
	Type      string    `json:"type"` // a MessageType, or message_edit, message_revoke, poll_vote
	// FromMe is true for a message of the instance's own account: sent through the API, or from
	// the phone or another device of the account (then Source is "whatsapp").
	FromMe   bool          `json:"fromMe"`
	Source   string        `json:"source,omitempty"` // the send's `source` tag; "whatsapp" when not sent through the API
	Chat     EventChat     `json:"chat"`
	Sender   EventPerson   `json:"sender"`
	Content  *EventContent `json:"content,omitempty"`
	Media    *EventMedia   `json:"media,omitempty"`
	IsEdit   bool          `json:"isEdit,omitempty"`
	Edit     *EventEdit    `json:"edit,omitempty"`
	Revoke   *EventTarget  `json:"revoke,omitempty"`
	ReplyTo  *EventTarget  `json:"replyTo,omitempty"`
	Mentions []string      `json:"mentions,omitempty"`
}

// EventChat is the chat a message belongs to.
type EventChat struct {
	JID         string `json:"jid"`
	LID         string `json:"lid,omitempty"`
	Name        string `json:"name,omitempty"`
	Type        string `json:"type"` // private, group, newsletter, broadcast
	IsCommunity bool   `json:"isCommunity,omitempty"`
}

// EventPerson is a user: its phone-number JID and, when known, its hidden id and push name.
type EventPerson struct {
	JID  string `json:"jid"`
	LID  string `json:"lid,omitempty"`
	Name string `json:"name,omitempty"`
}

// EventContent is what a message says, by type: text (and captions), a location, contacts, a
// reaction, a poll or a poll vote.
type EventContent struct {
	Text     string         `json:"text,omitempty"`
	Location *EventLocation `json:"location,omitempty"`
	Contacts []EventContact `json:"contacts,omitempty"`
	Reaction *EventReaction `json:"reaction,omitempty"`
	Poll     *EventPoll     `json:"poll,omitempty"`
	PollVote *EventPollVote `json:"pollVote,omitempty"`
	// SelectedID is the id of the button or list row a reply clicked.
	SelectedID string `json:"selectedId,omitempty"`
}

// EventLocation is a location pin.
type EventLocation struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
}

// EventContact is one contact card.
type EventContact struct {
	DisplayName string `json:"displayName"`
	VCard       string `json:"vcard,omitempty"`
}

// EventReaction reacts to MessageID; an empty Emoji removes the sender's reaction.
type EventReaction struct {
	MessageID string `json:"messageId"`
	Emoji     string `json:"emoji"`
	Removed   bool   `json:"removed,omitempty"`
}

// EventPoll is a poll creation.
type EventPoll struct {
	Name            string   `json:"name"`
	Options         []string `json:"options"`
	SelectableCount int      `json:"selectableCount"`
}

// EventPollVote is a decrypted vote: the options the voter now has selected (empty: vote
// withdrawn). Options are names when the poll is known to the instance, otherwise the hex
// SHA-256 hashes WhatsApp carries (OptionHashes always).
type EventPollVote struct {
	PollID       string   `json:"pollId"`
	Options      []string `json:"options"`
	OptionHashes []string `json:"optionHashes"`
	// Undecrypted is true when the vote could not be read (the instance has no secret for the
	// poll); Options and OptionHashes are then empty.
	Undecrypted bool `json:"undecrypted,omitempty"`
}

// EventEdit is the edit of an earlier message.
type EventEdit struct {
	MessageID string `json:"messageId"`
	Text      string `json:"text"`
}

// EventTarget names an earlier message (the one revoked, or quoted).
type EventTarget struct {
	MessageID string `json:"messageId"`
}

// EventMedia describes an attachment. The bytes are not in the stored event: only the message
// store's download keys are kept, and at delivery time Base64 (when the receiver's mediaBase64 is
// on and the file is small enough) or URL (the gateway's GET /api/chat/base64 route) is added.
type EventMedia struct {
	Type     string `json:"type"` // image, video, audio, ptt, document, sticker
	Mimetype string `json:"mimetype,omitempty"`
	FileName string `json:"fileName,omitempty"`
	Size     uint64 `json:"size,omitempty"`
	Seconds  uint32 `json:"seconds,omitempty"`
	SHA256   string `json:"sha256,omitempty"` // hex SHA-256 of the plaintext file
	URL      string `json:"url,omitempty"`
	S3URL    string `json:"s3Url,omitempty"`
	Base64   string `json:"base64,omitempty"`
}

// Values of message.status `data.status` (RyzeAPI §2.5.6).
const (
	ReceiptDelivered   = "delivered"
	ReceiptRead        = "read"
	ReceiptPlayed      = "played"
	ReceiptSender      = "sender"
	ReceiptReadSelf    = "read_self"
	ReceiptPlayedSelf  = "played_self"
	ReceiptRetry       = "retry"
	ReceiptInactive    = "inactive"
	ReceiptServerError = "server_error"
)

// MessageStatusData is the `data` of a message.status event: a receipt for one or more messages.
type MessageStatusData struct {
	Status     string      `json:"status"`
	MessageIDs []string    `json:"messageIds"`
	Chat       EventChat   `json:"chat"`
	From       EventPerson `json:"from"` // who sent the receipt
	// MessageSender is, in groups, the original author of the messages (RyzeAPI).
	MessageSender string    `json:"messageSender,omitempty"`
	Timestamp     time.Time `json:"timestamp"`
}

// Values of call.update `data.status`.
const (
	CallOffer        = "offer"
	CallAccepted     = "accepted"
	CallRejected     = "rejected"
	CallTerminated   = "terminated"
	CallNotification = "notification"
	CallLatency      = "latency"
)

// CallUpdateData is the `data` of a call.update event.
type CallUpdateData struct {
	Status    string      `json:"status"`
	CallID    string      `json:"callId"`
	From      EventPerson `json:"from"`
	Creator   EventPerson `json:"creator"`
	Group     string      `json:"group,omitempty"`  // the group JID of a group call
	Media     string      `json:"media,omitempty"`  // audio or video (notification)
	Reason    string      `json:"reason,omitempty"` // terminated: WhatsApp's reason
	Platform  string      `json:"platform,omitempty"`
	Timestamp time.Time   `json:"timestamp"`
}

// Values of group.flow `data.action`.
const (
	GroupJoined   = "joined"   // the instance joined (or was added to, or created) the group
	GroupAdd      = "add"      // participants joined or were added
	GroupLeave    = "leave"    // participants left or were removed
	GroupPromote  = "promote"  // participants became admins
	GroupDemote   = "demote"   // participants stopped being admins
	GroupUpdate   = "update"   // metadata changed (the fields present say what)
	GroupLinked   = "linked"   // a group was linked to a community
	GroupUnlinked = "unlinked" // a group was unlinked from a community
)

// GroupFlowData is the `data` of a group.flow event. One WhatsApp notification may carry several
// changes; each becomes its own event.
type GroupFlowData struct {
	Action string `json:"action"`
	Group  string `json:"group"`
	// Chat is the group as a chat, named with its subject (the new one after a rename), like the
	// chat of the group's messages.
	Chat         *EventChat `json:"chat,omitempty"`
	Author       string     `json:"author,omitempty"` // who made the change, when WhatsApp says
	Participants []string   `json:"participants,omitempty"`
	Timestamp    time.Time  `json:"timestamp"`
	Reason       string     `json:"reason,omitempty"` // joined: "invite" via a link; unlinked: WhatsApp's reason
	// Metadata changes (action update); also the group's state when action is joined.
	Name         *string `json:"name,omitempty"`
	Topic        *string `json:"topic,omitempty"`
	Announce     *bool   `json:"announce,omitempty"`
	Locked       *bool   `json:"locked,omitempty"`
	Ephemeral    *uint32 `json:"ephemeralSeconds,omitempty"`
	ApprovalMode *string `json:"approvalMode,omitempty"`
	InviteLink   *string `json:"inviteLink,omitempty"`
	Deleted      bool    `json:"deleted,omitempty"`
	IsCommunity  bool    `json:"isCommunity,omitempty"`
	// Linked and unlinked: the other group and how it relates (parent_group, sub_group).
	LinkedGroup     string `json:"linkedGroup,omitempty"`
	LinkedGroupName string `json:"linkedGroupName,omitempty"`
	LinkType        string `json:"linkType,omitempty"`
}

// Values of label.update `data.action`.
const (
	LabelEdited  = "edit"   // created, renamed, recoloured or deleted (Deleted)
	LabelAdded   = "add"    // the label was put on a chat
	LabelRemoved = "remove" // the label was taken off a chat
)

// LabelUpdateData is the `data` of a label.update event.
type LabelUpdateData struct {
	Action    string    `json:"action"`
	LabelID   string    `json:"labelId"`
	Name      string    `json:"name,omitempty"`
	Color     *int32    `json:"color,omitempty"`
	Deleted   bool      `json:"deleted,omitempty"`
	Chat      string    `json:"chat,omitempty"` // add and remove
	Timestamp time.Time `json:"timestamp"`
}
