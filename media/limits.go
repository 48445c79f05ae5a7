package media

import "time"

// Limits of pictures taken from clients.
const (
	maxImageBytes     = 5 << 20          // encoded size, downloaded or base64-decoded
	imageFetchTimeout = 10 * time.Second // the whole download, redirects and body included
	maxImageRedirects = 5

	// maxImagePixels bounds the canvas an image header may claim: 4096×4096, the largest side
	// WhatsApp sends ("HD" photos); its own apps upload group pictures at 640×640, so nothing
	// larger is ever needed, while a 12 MP phone photo still passes.
	maxImagePixels = 4096 * 4096
	// maxDecodedBytes bounds the memory one decode may take, computed from the header before
	// decoding (pixels × bytes per pixel of the colour model, see decodedBytes). The pixel cap
	// alone is not enough: a 16-bit RGBA PNG takes 8 bytes a pixel, a progressive JPEG keeps
	// every coefficient. A 12 MP RGBA PNG (48 MiB) passes.
	maxDecodedBytes = 64 << 20
	// maxConcurrentDecodes bounds the decodes running at once, so that many requests together
	// take at most maxConcurrentDecodes × maxDecodedBytes; the others wait their turn (or their
	// request's end). Picture changes are rare, so two slots never queue in practice.
	maxConcurrentDecodes = 2

	// pictureSide is the side of the square picture WhatsApp shows for groups (640×640, the
	// size its own apps upload); larger images are scaled down to it.
	pictureSide  = 640
	pictureJPEGQ = 85
)
