package switchboard

import (
	"context"
	"io"
	"time"
)

// MessageType names the content of a message, as the API reports it in `messageType`.
type MessageType string

const (
	MessageText     MessageType = "text"
	MessageImage    MessageType = "image"
	MessageVideo    MessageType = "video"
	MessageAudio    MessageType = "audio"
	MessageDocument MessageType = "document"
	MessageSticker  MessageType = "sticker"
	MessageLocation MessageType = "location"
	MessageContact  MessageType = "contact"
	MessageReaction MessageType = "reaction"
	MessagePoll     MessageType = "poll"
	// MessageButtons, MessageList and MessageInteractive are the business messages: buttons,
	// a list, and InteractiveMessage (carousel, form, PIX), named as the reference's messageType.
	MessageButtons     MessageType = "buttons"
	MessageList        MessageType = "list"
	MessageInteractive MessageType = "interactive"
	MessageEdit        MessageType = "edit"
	MessageRevoke      MessageType = "revoke"
	// MessagePollVote is a vote on a poll, stored decrypted: QuotedID is the poll, Payload the
	// chosen options' hashes. Only the poll route reads them.
	MessagePollVote MessageType = "poll_vote"
	MessageOther    MessageType = "other"
)

// IsMedia reports whether messages of this type carry an attachment.
func (t MessageType) IsMedia() bool {
	switch t {
	case MessageImage, MessageVideo, MessageAudio, MessageDocument, MessageSticker:
		return true
	}
	return false
}

// OutgoingMessage is one message to send. Exactly the part matching Type is read: Text for
// text (and the caption of media), Media for attachments, Location, Contacts, Reaction, Poll.
type OutgoingMessage struct {
	Chat JID
	Type MessageType
	Text string
	// LinkPreview asks for a preview of the first URL in Text (text messages).
	LinkPreview bool
	// Quote is the message this one replies to; nil for none.
	Quote    *StoredMessage
	Mentions []JID
	Media    *OutgoingMedia
	Location *Location
	Contacts []Contact
	Reaction *Reaction
	Poll     *Poll
	// Exactly one of the interactive parts is set for MessageButtons, MessageList and
	// MessageInteractive.
	Buttons  *Buttons
	List     *List
	Carousel *Carousel
	Form     *Form
	Pix      *Pix
	// Forwarded marks the message "Forwarded" on the recipient's screen.
	Forwarded bool
	// Typing is shown as "typing…" (or "recording…" for voice notes) before the send, inside
	// the instance's queue.
	Typing time.Duration
	// Source is the send's origin tag (RyzeAPI `source`), carried into its message.exchange event.
	Source string
}

// OutgoingMedia is an attachment's plaintext, uploaded encrypted by the session.
type OutgoingMedia struct {
	Data []byte
	// Content, when set, is read instead of Data: a temporary file, so that a large attachment
	// is never held whole in memory. The session reads it from its start at every attempt.
	Content  io.ReadSeeker
	Size     int64 // the length of Data or Content
	Mimetype string
	FileName string
	PTT      bool   // audio: a voice note
	Seconds  uint32 // audio/video duration when known
	Width    uint32
	Height   uint32
	// Thumbnail is a small JPEG for images and videos, nil when none could be made.
	Thumbnail []byte
	// Uploaded is an attachment already on WhatsApp's media host (a forward): it is sent again
	// with its keys and path, without Data and without uploading.
	Uploaded *MediaRef
}

// Location is a location card.
type Location struct {
	Latitude, Longitude float64
	Name, Address       string
}

// Contact is one vCard.
type Contact struct {
	FullName, Phone, Organization, Email, URL string
}

// Reaction reacts to a message of Chat; Emoji "" removes the instance's reaction.
type Reaction struct {
	TargetID     string
	TargetFromMe bool
	TargetSender JID // the author of the target in a group when !TargetFromMe
	Emoji        string
}

// Poll is a poll creation.
type Poll struct {
	Question   string
	Options    []string
	Selectable int
}

// MediaRef is what it takes to download an attachment again from WhatsApp: keys and paths,
// never the bytes.
type MediaRef struct {
	Type          MessageType `json:"type"`
	URL           string      `json:"url,omitempty"`
	DirectPath    string      `json:"directPath,omitempty"`
	MediaKey      []byte      `json:"mediaKey,omitempty"`
	FileSHA256    []byte      `json:"fileSha256,omitempty"`
	FileEncSHA256 []byte      `json:"fileEncSha256,omitempty"`
	FileLength    uint64      `json:"fileLength,omitempty"`
	Mimetype      string      `json:"mimetype,omitempty"`
	FileName      string      `json:"fileName,omitempty"`
	PTT           bool        `json:"ptt,omitempty"`
	Seconds       uint32      `json:"seconds,omitempty"`
}

// MessageStatus is a step in a message's delivery, numbered as RyzeAPI's status scale.
type MessageStatus int

const (
	StatusError     MessageStatus = 0
	StatusPending   MessageStatus = 1
	StatusServerAck MessageStatus = 2
	StatusDelivered MessageStatus = 3
	StatusRead      MessageStatus = 4
	StatusPlayed    MessageStatus = 5
)

// StoredMessage is one message sent or received by an instance, as the message store keeps it.
type StoredMessage struct {
	InstanceID int64
	ID         string
	Chat       JID
	Sender     JID
	FromMe     bool
	Timestamp  time.Time
	Type       MessageType
	// Content is the textual form saved in history (text, caption, the route's documented
	// rendering for locations and polls).
	Content string
	// Payload is the message as JSON, for the fields the API echoes (mentions, quote, vcards...).
	Payload []byte
	Source  string
	Status  MessageStatus
	Media   *MediaRef
	// PollSecret decrypts the votes on a poll this instance sent.
	PollSecret []byte
	// QuotedID is the id of the message this one replies to.
	QuotedID string
	// Edited and Revoked follow later edits and deletions of this message.
	Edited  bool
	Revoked bool
}

// SentMessage is WhatsApp's answer to a send.
type SentMessage struct {
	ID        string
	Chat      JID
	Sender    JID
	Timestamp time.Time
	Media     *MediaRef
	// PollSecret is the secret of a poll just sent.
	PollSecret []byte
}

// MessageClient is one connected instance's access to WhatsApp messages. Sends of one instance
// go through its send queue: one at a time, in arrival order, spaced by the send interval.
type MessageClient interface {
	OwnJID() JID
	// ResolveRecipient returns the chat a user JID given by phone number really is: the number
	// as WhatsApp knows it (Brazilian numbers tried with and without the ninth digit), or an
	// *Error with CodeNotFound when the number is not on WhatsApp. Other JIDs come back as is.
	ResolveRecipient(ctx context.Context, to JID) (JID, error)
	// NewMessageID returns a fresh WhatsApp message id. Callers fix the id before the first
	// attempt, so that a retry of the same send can never be a second message.
	NewMessageID() string
	// Send sends m under id through the instance's send queue.
	Send(ctx context.Context, id string, m OutgoingMessage) (*SentMessage, error)
	// Edit replaces the text of one of the instance's own messages.
	Edit(ctx context.Context, chat JID, id, text string) (*SentMessage, error)
	// Revoke deletes a message for everyone (sender is its author; zero for the instance's own).
	Revoke(ctx context.Context, chat, sender JID, id string) (*SentMessage, error)
	// MarkRead sends read receipts for messages of chat from sender.
	MarkRead(ctx context.Context, chat, sender JID, ids []string) error
	// Download fetches and decrypts an attachment.
	Download(ctx context.Context, ref *MediaRef) ([]byte, error)
	ChatClient
}

// MessageStore keeps the messages instances sent and received.
type MessageStore interface {
	// SaveMessage inserts m, or replaces the stored row with the same (instance, id).
	SaveMessage(ctx context.Context, m *StoredMessage) error
	// Message finds a message by id; ErrNotFound when absent.
	Message(ctx context.Context, instanceID int64, id string) (*StoredMessage, error)
	// ChatHistory lists a chat's messages, newest first, older than before (zero: from the
	// newest), at most limit.
	ChatHistory(ctx context.Context, instanceID int64, chat JID, before time.Time, limit int) ([]*StoredMessage, error)
	// UpdateMessageStatus raises the status of messages (never lowers it).
	UpdateMessageStatus(ctx context.Context, instanceID int64, ids []string, status MessageStatus) error
	// MarkMessage flags a message edited (with its new content) or revoked.
	MarkMessage(ctx context.Context, instanceID int64, id string, edited bool, content string, revoked bool) error
	// PollVotes lists the votes stored on a poll, oldest first.
	PollVotes(ctx context.Context, instanceID int64, pollID string) ([]*StoredMessage, error)
	// PurgeMessages deletes messages older than before and returns how many went.
	PurgeMessages(ctx context.Context, before time.Time) (int64, error)
}
