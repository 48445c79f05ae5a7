package switchboard

// The interactive sends (buttons, list, carousel, form, PIX) are WhatsApp business messages.
// Their shapes here are the API's; the session turns them into the protos WhatsApp clients
// render (ButtonsMessage, ListMessage, InteractiveMessage with native-flow buttons).

// ButtonKind is what a button does when tapped.
type ButtonKind string

const (
	ButtonReply ButtonKind = "REPLY" // sends its ID back as a reply
	ButtonURL   ButtonKind = "URL"   // opens the link in ID
	ButtonCall  ButtonKind = "CALL"  // calls the number in ID
	ButtonCopy  ButtonKind = "COPY"  // copies the code in ID
)

// Button is one button of a buttons message or a carousel card. ID's meaning follows Kind.
type Button struct {
	Kind ButtonKind
	ID   string
	Text string
}

// Buttons is a buttons message: body text, an optional text or media header, a footer.
type Buttons struct {
	Header, Body, Footer string
	// HeaderMedia is an image, video or document shown above the body; HeaderType says which.
	HeaderMedia *OutgoingMedia
	HeaderType  MessageType
	Buttons     []Button
}

// List is a list message: a button that opens sections of selectable rows.
type List struct {
	Title, Body, Footer, ButtonText string
	Sections                        []ListSection
}

// ListSection is one titled group of rows.
type ListSection struct {
	Title string
	Rows  []ListRow
}

// ListRow is one selectable row; its ID comes back when chosen.
type ListRow struct {
	ID, Title, Description string
}

// Carousel is a row of cards swiped sideways, under a body text.
type Carousel struct {
	Body, Footer string
	Cards        []Card
}

// Card is one carousel card.
type Card struct {
	Title, Subtitle, Body, Footer string
	Media                         *OutgoingMedia
	MediaType                     MessageType // MessageImage or MessageVideo when Media is set
	Buttons                       []Button
}

// Form is a native-flow message whose button opens a WhatsApp Flow.
type Form struct {
	Body, Footer string
	// ButtonName is the native-flow button's name ("galaxy_message" for flows); ParamsJSON its
	// parameters, as WhatsApp reads them.
	ButtonName     string
	ParamsJSON     string
	MessageVersion int
}

// Pix is a PIX "copy the key" card: a native-flow payment_info button with the payee's key and
// the order's items. No charge is created.
type Pix struct {
	Body         string
	MerchantName string
	Key, KeyType string
	Items        []PixItem
}

// PixItem is one line of a PIX order; amounts in cents.
type PixItem struct {
	Name, Description string
	Quantity          int
	UnitCents         int64
}

// Total is the order's amount in cents.
func (p *Pix) Total() int64 {
	var t int64
	for _, it := range p.Items {
		t += int64(it.Quantity) * it.UnitCents
	}
	return t
}
