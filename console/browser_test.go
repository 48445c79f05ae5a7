package console_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/webhook/webhooktest"
)

// requireChromiumEnv, when set (as .ci/run sets it), turns a missing Chromium into a failure
// instead of a skip, so CI cannot pass without running the browser tests.
const requireChromiumEnv = "SWITCHBOARD_REQUIRE_CHROMIUM"

// artifactDirEnv names where screenshots go; by default a folder under the system temp dir,
// printed by the test.
const artifactDirEnv = "SWITCHBOARD_ARTIFACT_DIR"

func chromiumPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv(requireChromiumEnv) != "" {
		t.Fatalf("no Chromium found and %s is set: install it (apt-get install chromium)", requireChromiumEnv)
	}
	t.Skip("browser tests skipped: no Chromium found (apt-get install chromium); .ci/run always runs them")
	return ""
}

// browser is a headless Chromium driven by chromedp, collecting every console error and
// uncaught exception of the pages it shows.
type browser struct {
	t      *testing.T
	ctx    context.Context
	shots  string
	mu     sync.Mutex
	errors []string
}

func newBrowser(t *testing.T) *browser {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })

	dir := os.Getenv(artifactDirEnv)
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "switchboard-console-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, ctx: ctx, shots: dir}
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	go func() {
		for msg, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			if msg.Type == chromedp.ConsoleError || msg.Type == chromedp.ConsoleException {
				b.mu.Lock()
				b.errors = append(b.errors, string(msg.Type)+": "+msg.Text)
				b.mu.Unlock()
			}
		}
	}()
	t.Logf("screenshots in %s", dir)
	return b
}

// do performs chromedp steps, failing the test with what was being done.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v (page: %s)", what, err, b.where())
	}
}

// get runs one chromedp action that returns a value.
func get[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v (page: %s)", what, err, b.where())
	}
	return v
}

// where describes the page for a failure message: its address, its status line and its errors.
func (b *browser) where() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	here, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + " status=" + ((document.getElementById("status") || {}).textContent || "")`))
	b.mu.Lock()
	defer b.mu.Unlock()
	return here + " errors=" + strings.Join(b.errors, "; ")
}

// screenshot saves the whole page as NAME.png in the artifact folder.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	png := get(b, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// waitText waits until the element's text contains want, without reloading the page.
func (b *browser) waitText(sel, want string) {
	b.t.Helper()
	b.waitJS(sel, want, fmt.Sprintf(`(document.querySelector(%q) || {textContent: ""}).textContent.includes(%q)`, sel, want))
}

// waitExactText waits until the element's whole text is want ("connected" must not match
// "disconnected").
func (b *browser) waitExactText(sel, want string) {
	b.t.Helper()
	b.waitJS(sel, want, fmt.Sprintf(`(document.querySelector(%q) || {textContent: ""}).textContent.trim() === %q`, sel, want))
}

func (b *browser) waitJS(sel, want, js string) {
	b.t.Helper()
	get(b, fmt.Sprintf("wait for %q in %s", want, sel), chromedp.Poll[bool](js, chromedp.WithPollingTimeout(50*time.Second)))
}

// TestConsoleInChromium walks the console as a user would, in a real Chromium against a real
// sandbox gateway: sign in, create an instance, see its QR, let a simulated phone scan it and see
// the state turn connected without a reload, link two groups to a community by ticking them,
// sign out. Every page is screenshotted and none may log an error.
func TestConsoleInChromium(t *testing.T) {
	b := newBrowser(t)
	e := apptest.Start(t, storetest.SQLiteDSN(t), func(c *app.Config) {
		c.Sealer = newSealer(t) // webhook secrets are sealed at rest
		c.AllowPrivateWebhookURLs = true
	})
	account := e.Account("console")
	id := func(s string) chromedp.ID { return chromedp.ID(s) }
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	b.do("open the console", chromedp.Navigate(e.URL+"/"), chromedp.WaitVisible(id("token")))
	b.screenshot("01-sign-in")
	b.do("sign in",
		chromedp.SendKeys(id("token"), account),
		chromedp.Click(css("#signin button[type=submit]")),
		chromedp.WaitVisible(id("create")),
	)
	if stored := get(b, "read sessionStorage", chromedp.Evaluate[string](`sessionStorage.getItem("switchboard.token")`)); stored != account {
		t.Fatal("the token is not kept in sessionStorage after sign-in")
	}

	b.do("create an instance",
		chromedp.SendKeys(id("name"), "shop"),
		chromedp.Click(css("#create button[type=submit]")),
		chromedp.WaitVisible(id("created")),
	)
	if created := get(b, "read the new token", chromedp.Text(id("created-token"))); !strings.HasPrefix(created, "sbi_") {
		t.Fatalf("created instance token %q is not an instance token", created)
	}
	b.do("see it listed", chromedp.WaitVisible(css(`tr[data-name="shop"]`)))
	b.screenshot("02-instances")

	b.do("open the instance and show its QR",
		chromedp.Navigate(e.URL+"/console/instance?name=shop"),
		chromedp.Click(id("qr-button")),
		chromedp.WaitVisible(id("qr-figure")),
	)
	if src := get(b, "read the QR image", chromedp.AttributeValue(id("qr"), "src")); !strings.HasPrefix(src.Value, "data:image/png;base64,") {
		t.Fatalf("QR image source %.40q is not a PNG data URI", src.Value)
	}
	b.screenshot("03-instance-qr")

	// The simulated phone scans the code the page shows: /connect answers the pending login's
	// current QR, the same one the page drew.
	qr := e.Do("GET", "/api/instance/connect/shop", account, nil).Want(200).Str("qrCode")
	phone := e.Do("POST", "/sandbox/scan", account, map[string]any{"qrCode": qr, "phone": "5511977770001"}).Want(200).Str("phone")
	b.waitExactText("#state", "connected")
	b.waitText("#number", phone)
	b.screenshot("04-instance-connected")

	for _, name := range []string{"Garden", "Parking"} {
		e.Do("POST", "/sandbox/groups", account, map[string]any{"name": name, "owner": phone}).Want(200)
	}
	e.Do("POST", "/api/community/create/shop", account, map[string]any{"name": "Neighbours"}).Want(201)
	b.do("load groups", chromedp.Click(id("groups-load")), chromedp.WaitVisible(id("link")))
	boxes := get(b, "find the group boxes", chromedp.Nodes(chromedp.CSSAll("#group-choices input[type=checkbox]")))
	if len(boxes) != 2 {
		t.Fatalf("%d group checkboxes, want 2", len(boxes))
	}
	for _, box := range boxes {
		b.do("tick a group", chromedp.MouseClickNode(box))
	}
	b.do("link them", chromedp.Click(css("#link button[type=submit]")))
	b.waitText("#link-message", "Linked 2 of 2")
	b.screenshot("05-community-linked")

	// A webhook for instance.state events, made on the page: the secret the page shows once is
	// the one the deliveries are signed with (the receiver verifies with Svix's library), and the
	// test event shows up delivered in the page's delivery log.
	rcv := webhooktest.Start(t)
	b.do("add a webhook",
		chromedp.SendKeys(id("webhook-url"), rcv.URL+"/hook"),
		chromedp.Click(id("event-instance-state")),
		chromedp.Click(css("#webhook button[type=submit]")),
		chromedp.WaitVisible(id("webhook-secret")),
		chromedp.WaitVisible(css(`tr[data-label="default"]`)),
	)
	secret := get(b, "read the signing secret", chromedp.Text(id("webhook-secret-value")))
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("the page shows %q as the signing secret", secret)
	}
	rcv.SetSecret(secret)
	b.do("send a test event", chromedp.Click(css(`tr[data-label="default"] button`)))
	rcv.WaitFor(t, apptest.Timeout, "the console's test event, verified", func(all []webhooktest.Delivery) bool {
		for _, d := range all {
			if d.Envelope.Event == "webhook.test" && d.Verified {
				return true
			}
		}
		return false
	})
	b.do("see it delivered in the log",
		chromedp.Click(id("deliveries-load")),
		chromedp.WaitVisible(css(`tr[data-event="webhook.test"][data-status="delivered"]`)),
		// Its attempt history lists the one attempt, answered 200.
		chromedp.WaitVisible(css(`tr[data-event="webhook.test"] ol.attempts li[data-outcome="delivered"]`)),
	)
	b.screenshot("06-webhooks")

	b.do("open the sandbox panel", chromedp.Navigate(e.URL+"/console/sandbox"), chromedp.WaitVisible(id("scan")))
	b.screenshot("07-sandbox")

	b.do("phone-sized instances page",
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(e.URL+"/console/instances"),
		chromedp.WaitVisible(css(`tr[data-name="shop"]`)),
	)
	b.screenshot("08-instances-phone")
	if fits := get(b, "measure the list on a phone", chromedp.Evaluate[bool](
		`[...document.querySelectorAll(".scroll")].every((d) => d.scrollWidth <= d.clientWidth)`)); !fits {
		t.Error("the instance list scrolls sideways on a phone-sized screen")
	}

	b.do("sign out", chromedp.Click(id("signout")), chromedp.WaitVisible(id("token")))
	if stored := get(b, "read sessionStorage", chromedp.Evaluate[string](`sessionStorage.getItem("switchboard.token") || ""`)); stored != "" {
		t.Fatal("the token survived sign-out")
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.errors) > 0 {
		t.Fatalf("the pages logged errors:\n%s", strings.Join(b.errors, "\n"))
	}
}

// newSealer is a sealing key for the gateway under test.
func newSealer(t *testing.T) *store.Sealer {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	sealer, err := store.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return sealer
}
