package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"
)

// Goals of the media scenario (issue 12).
const (
	mediaGoalRatio   = 1.3 // gateway time per send at most 1.3 × bare whatsmeow's
	mediaGoalRSSMult = 2.0 // peak RSS growth per concurrent send at most 2 × the file size
	mediaRSSEvery    = 10 * time.Millisecond
)

// runMedia measures sending a 5 MiB image by URL. Timed part: -n sends through
// POST /api/message/media (mediaUrl on a local HTTP server), each timed as its client sees it,
// in turns with -n sends by a bare whatsmeow client in this process that downloads the same URL
// into memory, then calls Upload and SendMessage. Concurrent part (first): -c sends at once through the gateway
// while its resident set is sampled every 10 ms; the peak minus the settled resident set before,
// divided by -c, is the memory one media send in flight costs (streaming to a temporary file
// keeps it well under the file size; buffering would cost at least the file, plus its encrypted
// copy). Every phone's decrypted inbox is checked by SHA-256.
func runMedia(ctx context.Context, e *benchEnv) (result, error) {
	n, c := e.opts.n, e.opts.concurrency
	img := noisePNG(1280, 1024) // ≈5 MiB: noise does not compress
	srv, imageURL, err := serveBytes(img)
	if err != nil {
		return result{}, err
	}
	defer srv.Close()
	phones, err := registerPhones(e.sim, "5511960", 1)
	if err != nil {
		return result{}, err
	}
	dsn := "sqlite:" + e.path("media.db")
	token, err := e.createAccount(ctx, dsn)
	if err != nil {
		return result{}, err
	}
	g, err := e.startGateway(ctx, dsn, e.path("gateway.log"), "SWITCHBOARD_SEND_INTERVAL=0", "SWITCHBOARD_ALLOW_PRIVATE_IMAGE_URLS=true")
	if err != nil {
		return result{}, err
	}
	defer g.kill()
	paired, err := pairInstances(ctx, e, g.api, token, 1)
	if err != nil {
		return result{}, err
	}
	inst := paired[0]
	target := fmt.Sprintf("%s/api/message/media/%s", g.api.base, url.PathEscape(inst.name))
	send := func(ctx context.Context) bool { return postMedia(ctx, target, inst.token, phones[0], imageURL) }

	send(ctx) // warm-up: connections, the recipient check, the media host

	progress("gateway: %d sends at once while sampling its RSS", c)
	before, err := settledRSS(ctx, g.pid(), 3*time.Second)
	if err != nil {
		return result{}, err
	}
	peak, concErrors := peakDuring(ctx, g.pid(), func() int {
		var failed atomic.Int64
		var wg sync.WaitGroup
		for range c {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if !send(ctx) {
					failed.Add(1)
				}
			}()
		}
		wg.Wait()
		return int(failed.Load())
	})

	progress("baseline: pairing a bare whatsmeow client")
	cli, closeBare, err := e.pairedBareClient(ctx, "media-baseline.db")
	if err != nil {
		return result{}, err
	}
	defer closeBare()
	cli.SetMediaHTTPClient(e.sim.HTTPClient()) // uploads go to the simulator's media host
	to := types.NewJID(phones[0], types.DefaultUserServer)
	bare := func(ctx context.Context) bool { return bareMedia(ctx, cli, to, imageURL) }
	bare(ctx)
	progress("%d sends of a %.1f MiB image by URL each, alternating gateway and bare whatsmeow", n, float64(len(img))/(1<<20))
	gwTimes, baseTimes, gwErrors, baseErrors := alternate(ctx, n, send, bare)
	gwDelivered, err := mediaDelivered(ctx, e, phones[0], inst.device.User, img)
	if err != nil {
		return result{}, err
	}
	baseDelivered, err := mediaDelivered(ctx, e, phones[0], cli.Store.GetJID().User, img)
	if err != nil {
		return result{}, err
	}
	if _, err := g.stop(); err != nil {
		return result{}, err
	}

	gwMed, baseMed := median(gwTimes), median(baseTimes)
	r := ratio(gwMed, baseMed)
	growth := float64(peak) - float64(before)
	perSend := growth / float64(c)
	res := result{
		title:   fmt.Sprintf("media: a %.1f MiB PNG by URL, %d sends at once, then %d sends in turns with bare whatsmeow", float64(len(img))/(1<<20), c, n),
		columns: []string{"media", "gateway", "bare whatsmeow", "gateway/bare"},
	}
	res.row("median time per send", msec(gwMed), msec(baseMed), times(r))
	res.row("slowest send", msec(slices.Max(gwTimes)), msec(slices.Max(baseTimes)), "")
	res.row("errors", fmt.Sprint(gwErrors+concErrors), fmt.Sprint(baseErrors), "")
	res.row("decrypted intact by the phone (SHA-256)", fmt.Sprint(gwDelivered), fmt.Sprint(baseDelivered), "")
	res.row("RSS settled before the concurrent sends", mib(float64(before)), "", "")
	res.row(fmt.Sprintf("peak RSS during %d sends at once", c), mib(float64(peak)), "", "")
	res.row("peak RSS growth per concurrent send", mib(max(perSend, 0)), "", fmt.Sprintf("%.2f × file", perSend/float64(len(img))))
	res.note("gateway: one POST /api/message/media request as its client sees it (download, sniff, thumbnail, upload, send, store); bare: http GET into memory, Upload, SendMessage of an ImageMessage")
	res.note("RSS sampled every %s from /proc; the settled value is the smallest of %d samples after 3 s idle", mediaRSSEvery, rssSamples)
	res.check(fmt.Sprintf("ratio <= %.1f", mediaGoalRatio), r <= mediaGoalRatio, fmt.Sprintf("%.2f", r))
	res.check(fmt.Sprintf("RSS growth per concurrent send <= %.0f × file size", mediaGoalRSSMult), perSend <= mediaGoalRSSMult*float64(len(img)),
		fmt.Sprintf("%.2f ×", perSend/float64(len(img))))
	res.fig("scenario", "media")
	res.fig("file_bytes", len(img))
	res.fig("sends", n)
	res.fig("concurrent", c)
	res.fig("median_ms", round(gwMed, 1))
	res.fig("baseline_median_ms", round(baseMed, 1))
	res.fig("ratio", round(r, 3))
	res.fig("rss_growth_per_send_bytes", int64(perSend))
	res.fig("rss_growth_per_send_x_file", round(perSend/float64(len(img)), 3))
	res.fig("errors", gwErrors+concErrors)
	return res, nil
}

// noisePNG is a w×h RGBA PNG of random pixels: it barely compresses, so its size is about
// w×h×4 bytes.
func noisePNG(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.Uint32())
	}
	var buf bytes.Buffer
	_ = (&png.Encoder{CompressionLevel: png.NoCompression}).Encode(&buf, img)
	return buf.Bytes()
}

// serveBytes serves body at /image.png on a loopback port.
func serveBytes(body []byte) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(body)
	})}
	go func() { _ = srv.Serve(ln) }()
	return srv, "http://" + ln.Addr().String() + "/image.png", nil
}

func postMedia(ctx context.Context, target, token, number, mediaURL string) bool {
	return postJSON(ctx, target, token, map[string]string{"number": number, "mediaType": "image", "mediaUrl": mediaURL, "message": "bench"})
}

// bareMedia is what a program on bare whatsmeow does to send an image by URL.
func bareMedia(ctx context.Context, cli *whatsmeow.Client, to types.JID, mediaURL string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, mediaURL, nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		progress("bare download failed: %v", err)
		return false
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return false
	}
	up, err := cli.Upload(ctx, data, whatsmeow.MediaImage)
	if err != nil {
		progress("bare upload failed: %v", err)
		return false
	}
	_, err = cli.SendMessage(ctx, to, &waE2E.Message{ImageMessage: &waE2E.ImageMessage{
		Caption: proto.String("bench"), Mimetype: proto.String("image/png"),
		URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
		FileSHA256: up.FileSHA256, FileLength: &up.FileLength,
	}})
	if err != nil {
		progress("bare send failed: %v", err)
	}
	return err == nil
}

// alternate times n sends of a and n of b, one after another in turns (a, b, a, b, ...), so that
// a change of the machine's load during the run weighs on both alike; durations in ms.
func alternate(ctx context.Context, n int, a, b func(context.Context) bool) (aMS, bMS []float64, aErr, bErr int) {
	timed := func(send func(context.Context) bool, out *[]float64, errs *int) {
		start := time.Now()
		if !send(ctx) {
			*errs++
		}
		*out = append(*out, float64(time.Since(start).Microseconds())/1000)
	}
	for range n {
		timed(a, &aMS, &aErr)
		timed(b, &bMS, &bErr)
	}
	return aMS, bMS, aErr, bErr
}

// peakDuring runs work while sampling pid's resident set, and returns the highest sample.
func peakDuring(ctx context.Context, pid int, work func() int) (uint64, int) {
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(mediaRSSEvery)
		defer t.Stop()
		for {
			if rss, err := readRSS(pid); err == nil && rss > peak.Load() {
				peak.Store(rss)
			}
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	failed := work()
	close(done)
	<-sampled
	return peak.Load(), failed
}

// mediaDelivered counts the images from sender that the phone decrypted to exactly img.
func mediaDelivered(ctx context.Context, e *benchEnv, phone, sender string, img []byte) (int, error) {
	_ = sleep(ctx, time.Second) // the ack precedes the phone's download and decryption
	msgs, _, err := e.sim.Inbox(phone)
	if err != nil {
		return 0, err
	}
	want := sha256.Sum256(img)
	n := 0
	for _, m := range msgs {
		if m.Sender.User == sender && m.Type == "image" && m.Media != nil && m.Media.SHA256 == want {
			n++
		}
	}
	return n, nil
}

func median(ms []float64) float64 {
	if len(ms) == 0 {
		return 0
	}
	s := slices.Clone(ms)
	slices.Sort(s)
	return s[len(s)/2]
}
